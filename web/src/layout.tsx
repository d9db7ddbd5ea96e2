// The frame around every signed-in page: top bar (product, workspace switcher, user, sign out)
// and the side navigation, which folds into a menu button on narrow screens.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { NavLink, Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { NoAccess } from './components/ui.js';
import { useMembership, useSession } from './session.js';

export function Shell({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const { workspace } = useParams();
  const membership = useMembership(workspace);
  const navigate = useNavigate();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const nav = useRef<HTMLElement>(null);

  // The open menu (narrow screens) takes focus to its first link; Escape closes it and gives focus
  // back to the menu button.
  useEffect(() => {
    if (!menuOpen) return;
    nav.current?.querySelector<HTMLElement>('a[href]')?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  const switchWorkspace = (slug: string) => {
    // Stay in the same section of the new workspace, without record ids of the old one.
    const rest = location.pathname.split('/').slice(3);
    const section = rest[0] === 'integrations' ? rest.slice(0, 3).join('/') : (rest[0] ?? 'customers');
    navigate(`/w/${slug}/${section}`);
  };

  const onSignOut = async () => {
    setSigningOut(true);
    try {
      await signOut();
    } finally {
      setSigningOut(false);
      navigate('/sign-in');
    }
  };

  const link = (to: string, label: string) => (
    <li>
      <NavLink to={`/w/${workspace}/${to}`} onClick={() => setMenuOpen(false)}>
        {label}
      </NavLink>
    </li>
  );

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        {workspace ? (
          <button type="button" ref={menuButton} className="menu-button" aria-expanded={menuOpen} aria-controls="sidenav" onClick={() => setMenuOpen((o) => !o)}>
            <span aria-hidden="true">☰</span>
            <span className="visually-hidden">Menu</span>
          </button>
        ) : null}
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            ⟳
          </span>
          hubsync
        </span>
        <div className="topbar-right">
          {me.workspaces.length > 1 ? (
            <label className="workspace-switcher">
              <span className="visually-hidden">Workspace</span>
              <select value={workspace ?? ''} onChange={(e) => switchWorkspace(e.target.value)} aria-label="Workspace">
                {workspace && !membership ? <option value={workspace}>{workspace}</option> : null}
                {me.workspaces.map((w) => (
                  <option key={w.slug} value={w.slug}>
                    {w.name}
                  </option>
                ))}
              </select>
            </label>
          ) : membership ? (
            <span className="workspace-name">{membership.name}</span>
          ) : null}
          <NavLink className="user" to="/account" title={`${me.user.email} — account and password`}>
            <span className="avatar" aria-hidden="true">
              {(me.user.name || me.user.email).slice(0, 1).toUpperCase()}
            </span>
            <span className="user-name">{me.user.name || me.user.email}</span>
            {membership ? <span className="role-tag">{membership.role === 'admin' ? 'Admin' : 'Member'}</span> : null}
          </NavLink>
          <button type="button" className="btn btn-ghost" onClick={onSignOut} disabled={signingOut}>
            Sign out
          </button>
        </div>
      </header>
      <div className="body">
        {workspace && membership ? (
          <nav id="sidenav" ref={nav} className={menuOpen ? 'sidenav open' : 'sidenav'} aria-label="Main">
            <ul>
              {link('customers', 'Customers')}
              {link('organizations', 'Organizations')}
              {link('deals', 'Deals')}
              {link('tags', 'Tags')}
              {link('sync-log', 'Sync log')}
            </ul>
            <p className="nav-heading">Config</p>
            <ul>
              {membership.role === 'admin' ? link('custom-fields', 'Custom fields') : null}
              <li className="nav-group">
                <span className="nav-group-label">Integrations</span>
                <ul>{link('integrations/hubspot', 'HubSpot')}</ul>
              </li>
              {membership.role === 'admin' ? link('webhooks', 'Webhooks') : null}
              {membership.role === 'admin' ? link('audit-log', 'Audit log') : null}
              {membership.role === 'admin' ? link('users', 'Users') : null}
              {membership.role === 'admin' ? link('api-keys', 'API keys') : null}
            </ul>
          </nav>
        ) : null}
        <main id="main" className="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}

/** Renders the workspace's pages for its members, and a clear refusal for anyone else. */
export function WorkspaceGate() {
  const { workspace } = useParams();
  const membership = useMembership(workspace);
  if (!membership) {
    return (
      <section className="no-access">
        <h1>You don't have access</h1>
        <p>You are not a member of the workspace “{workspace}”. Pick another workspace or ask one of its admins to add you.</p>
      </section>
    );
  }
  return <Outlet />;
}

export function AdminOnly({ what, children }: { what: string; children: ReactNode }) {
  const { workspace } = useParams();
  const membership = useMembership(workspace);
  if (membership?.role !== 'admin') return <NoAccess what={what} />;
  return <>{children}</>;
}

/** The current workspace slug inside /w/:workspace routes. */
export function useWorkspace(): string {
  const { workspace } = useParams();
  if (!workspace) throw new Error('useWorkspace outside /w/:workspace');
  return workspace;
}

export function useIsAdmin(): boolean {
  const { workspace } = useParams();
  return useMembership(workspace)?.role === 'admin';
}
