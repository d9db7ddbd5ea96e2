// The public side of an authorization link (issue 17): whoever holds the HubSpot account opens
// /authorize#token=… — no hubsync account, no sign-in. The page says which workspace asks, and
// Approve leads to HubSpot's consent; HubSpot sends the person back through the OAuth callback
// to /authorize/done, which says whether the workspace is now connected. The token stays in
// the fragment (never sent in a URL a server logs) and travels in POST bodies only.
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useLocation } from 'react-router';
import { api, ApiError } from '../api/client.js';
import type { ResolvedAuthorizationLink } from '../api/types.js';
import { ErrorMessage, formatDate, Loading } from '../components/ui.js';

function tokenFromHash(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
}

/** Why a link cannot be used, in words for someone outside the workspace. */
const LINK_TITLES: Record<string, string> = {
  AUTHORIZATION_LINK_USED: 'This link was already used',
  AUTHORIZATION_LINK_EXPIRED: 'This link has expired',
  AUTHORIZATION_LINK_REVOKED: 'This link was revoked',
  AUTHORIZATION_LINK_NOT_FOUND: 'This link is not valid',
  ACCESS_DENIED: 'Not approved',
};

function PublicCard({ labelledBy, children }: { labelledBy: string; children: ReactNode }) {
  return (
    <main className="sign-in">
      <section className="card sign-in-card authorize-card" aria-labelledby={labelledBy}>
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            ⟳
          </span>
          hubsync
        </div>
        {children}
      </section>
    </main>
  );
}

export function AuthorizePage() {
  const location = useLocation();
  const token = tokenFromHash(location.hash);
  const resolved = useQuery({
    queryKey: ['authorization-link', token],
    queryFn: () => api<ResolvedAuthorizationLink>('POST', '/api/authorization-links/resolve', { token }),
    enabled: token !== '',
    retry: false,
    refetchOnWindowFocus: false,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const approve = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { url } = await api<{ url: string }>('POST', '/api/authorization-links/start', { token });
      window.location.assign(url);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  if (!token) {
    return (
      <PublicCard labelledBy="authorize-title">
        <h1 id="authorize-title">This link is incomplete</h1>
        <p>Open the whole link you were sent: its end (after the #) is missing.</p>
      </PublicCard>
    );
  }
  if (resolved.isPending) {
    return (
      <PublicCard labelledBy="authorize-title">
        <h1 id="authorize-title">Connect HubSpot</h1>
        <Loading label="Checking the link…" />
      </PublicCard>
    );
  }
  if (resolved.isError) {
    const failure = resolved.error;
    const title = failure instanceof ApiError ? LINK_TITLES[failure.code] : undefined;
    return (
      <PublicCard labelledBy="authorize-title">
        <h1 id="authorize-title">{title ?? 'This link cannot be used'}</h1>
        <ErrorMessage error={failure} />
      </PublicCard>
    );
  }
  const link = resolved.data;
  const failure = error instanceof ApiError ? error : null;
  return (
    <PublicCard labelledBy="authorize-title">
      <h1 id="authorize-title">{link.workspace.name} asks you to connect HubSpot</h1>
      <p>
        <strong>{link.requestedBy}</strong> set up hubsync for <strong>{link.workspace.name}</strong> and asks you, as the holder of the HubSpot account, to approve it.
        You do not need a hubsync account.
      </p>
      <p>Approve leads you to HubSpot, where you choose the account and confirm what hubsync may read and change. Then you come back here.</p>
      {link.connectedPortalId !== null ? (
        <p className="alert alert-info">The workspace is connected to HubSpot portal {link.connectedPortalId} now; approving replaces that connection.</p>
      ) : null}
      <p className="muted small">This link works once, until {formatDate(link.expiresAt)}.</p>
      {failure && LINK_TITLES[failure.code] ? <ErrorMessage error={failure} title={`${LINK_TITLES[failure.code]}.`} /> : <ErrorMessage error={error} />}
      <form onSubmit={approve}>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Opening HubSpot…' : 'Approve in HubSpot'}
        </button>
      </form>
    </PublicCard>
  );
}

/** Where the OAuth callback sends the person: ?workspace=<name> when connected, ?error=…&code=… when not. */
export function AuthorizeDonePage() {
  const params = new URLSearchParams(useLocation().search);
  const error = params.get('error');
  const code = params.get('code') ?? '';
  if (error !== null) {
    return (
      <PublicCard labelledBy="authorize-done-title">
        <h1 id="authorize-done-title">{LINK_TITLES[code] ?? 'HubSpot was not connected'}</h1>
        <div className="alert alert-error" role="alert">
          {error}
        </div>
        <p>
          Nothing was changed in the workspace.
          {code === 'ACCESS_DENIED' ? ' The link still works until it expires.' : ' If you want to try again, ask the person who sent you the link for a new one.'}
        </p>
      </PublicCard>
    );
  }
  const workspace = params.get('workspace');
  return (
    <PublicCard labelledBy="authorize-done-title">
      <h1 id="authorize-done-title">Connected</h1>
      <p className="alert alert-success" role="status">
        HubSpot is connected{workspace ? <> to <strong>{workspace}</strong></> : null}. You can close this page.
      </p>
    </PublicCard>
  );
}
