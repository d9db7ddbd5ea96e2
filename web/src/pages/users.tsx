// Users and roles (admins): the workspace's members with their role (make admin / member,
// remove, a one-time password reset link), inviting someone by email (a one-time link to pass
// on), and the pending invitations with Revoke. Links are shown once: the server keeps only
// their hashes. The last admin cannot be demoted or removed (the API answers 409 LAST_ADMIN).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get, ws } from '../api/client.js';
import { useCreateForm } from '../components/create-form.js';
import type { CreatedInvitation, CreatedPasswordReset, Invitation, Role, WorkspaceUser } from '../api/types.js';
import { OneTimeSecret } from '../components/one-time-secret.js';
import { PagedTable } from '../components/paged-table.js';
import { ConfirmDialog, ErrorMessage, FieldError, formatDate, PageHeader } from '../components/ui.js';
import { useWorkspace } from '../layout.js';
import { ME_KEY, useSession } from '../session.js';

const usersKey = (workspace: string) => ['users', workspace];
const invitationsKey = (workspace: string) => ['invitations', workspace];

type Pending = { kind: 'remove' | 'reset'; user: WorkspaceUser } | { kind: 'revoke'; invitation: Invitation };

const displayName = (user: WorkspaceUser) => user.name || user.email;

export function UsersPage() {
  const workspace = useWorkspace();
  const { me } = useSession();
  const client = useQueryClient();
  const users = useQuery({ queryKey: usersKey(workspace), queryFn: () => get<{ users: WorkspaceUser[] }>(`${ws(workspace)}/users`) });
  const invitations = useQuery({ queryKey: invitationsKey(workspace), queryFn: () => get<{ invitations: Invitation[] }>(`${ws(workspace)}/invitations`) });
  const [pending, setPending] = useState<Pending | null>(null);
  const [resetLink, setResetLink] = useState<CreatedPasswordReset | null>(null);

  const refresh = () => {
    void client.invalidateQueries({ queryKey: usersKey(workspace) });
    void client.invalidateQueries({ queryKey: invitationsKey(workspace) });
  };
  const changeRole = useMutation({
    mutationFn: ({ user, role }: { user: WorkspaceUser; role: Role }) => api('PATCH', `${ws(workspace)}/users/${encodeURIComponent(user.id)}`, { role }),
    onSuccess: (_answer, { user }) => {
      refresh();
      // Demoting oneself changes what this session may see: re-read who we are.
      if (user.id === me.user.id) void client.invalidateQueries({ queryKey: ME_KEY });
    },
  });
  const remove = useMutation({
    mutationFn: (user: WorkspaceUser) => api('DELETE', `${ws(workspace)}/users/${encodeURIComponent(user.id)}`),
    onSuccess: (_answer, user) => {
      setPending(null);
      refresh();
      if (user.id === me.user.id) void client.invalidateQueries({ queryKey: ME_KEY });
    },
    onError: () => setPending(null),
  });
  const reset = useMutation({
    mutationFn: (user: WorkspaceUser) => api<CreatedPasswordReset>('POST', `${ws(workspace)}/users/${encodeURIComponent(user.id)}/password-reset`),
    onSuccess: (created) => {
      setPending(null);
      setResetLink(created);
    },
    onError: () => setPending(null),
  });
  const revoke = useMutation({
    mutationFn: (invitation: Invitation) => api('DELETE', `${ws(workspace)}/invitations/${encodeURIComponent(invitation.id)}`),
    onSuccess: () => {
      setPending(null);
      refresh();
    },
    onError: () => setPending(null),
  });
  const actionError = changeRole.error ?? remove.error ?? reset.error;

  const pendingInvitations = invitations.data?.invitations.filter((i) => i.status === 'pending') ?? [];

  return (
    <>
      <PageHeader title="Users" />
      <p className="muted">Who works in this workspace and what they may do. Admins manage settings, people and API keys; members work with the records.</p>
      <InviteForm workspace={workspace} onInvited={refresh} />

      <section className="card card-flush" aria-labelledby="members-title">
        <h2 className="card-title" id="members-title">
          Members
        </h2>
        {actionError ? (
          <div className="padded">
            <ErrorMessage error={actionError} />
          </div>
        ) : null}
        {resetLink ? (
          <div className="padded">
            <OneTimeSecret title={`Password reset link for ${resetLink.email}`} label="Reset link" value={resetLink.url} onDone={() => setResetLink(null)}>
              <p className="small">
                Pass it on to them. It works once, until {formatDate(resetLink.expiresAt)}; their current password keeps working until they use it, and then all their sessions end.
              </p>
            </OneTimeSecret>
          </div>
        ) : null}
        <PagedTable
          query={users}
          rows={(data) => data.users}
          rowKey={(user) => user.id}
          label="Members"
          empty="No members."
          columns={[
            {
              header: 'Member',
              cellClassName: 'member-cell',
              cell: (user) => (
                <>
                  <div>
                    {displayName(user)}
                    {user.id === me.user.id ? <span className="muted"> (you)</span> : null}
                  </div>
                  {user.name ? <div className="muted small">{user.email}</div> : null}
                  {/* On a narrow screen the role sits under the name instead of in its own column. */}
                  <div className="show-narrow">
                    <RolePill role={user.role} />
                  </div>
                </>
              ),
            },
            { header: 'Role', className: 'hide-narrow', cell: (user) => <RolePill role={user.role} /> },
            { header: 'Joined', className: 'hide-narrow', cellClassName: 'nowrap', cell: (user) => formatDate(user.createdAt) },
            {
              header: 'Actions',
              cellClassName: 'row-actions',
              cell: (user) => {
                const other: Role = user.role === 'admin' ? 'member' : 'admin';
                return (
                  <>
                    <button
                      type="button"
                      className="btn btn-link"
                      disabled={changeRole.isPending}
                      onClick={() => changeRole.mutate({ user, role: other })}
                      aria-label={other === 'admin' ? `Make ${displayName(user)} an admin` : `Make ${displayName(user)} a member`}
                    >
                      {other === 'admin' ? 'Make admin' : 'Make member'}
                    </button>
                    {user.id === me.user.id ? null : (
                      <button type="button" className="btn btn-link" onClick={() => setPending({ kind: 'reset', user })} aria-label={`Reset the password of ${displayName(user)}`}>
                        Reset password
                      </button>
                    )}
                    <button type="button" className="btn btn-link btn-link-danger" onClick={() => setPending({ kind: 'remove', user })} aria-label={`Remove ${displayName(user)}`}>
                      Remove
                    </button>
                  </>
                );
              },
            },
          ]}
        />
      </section>

      <section className="card card-flush" aria-labelledby="invitations-title">
        <h2 className="card-title" id="invitations-title">
          Pending invitations
        </h2>
        {revoke.error ? (
          <div className="padded">
            <ErrorMessage error={revoke.error} />
          </div>
        ) : null}
        <PagedTable
          query={invitations}
          rows={() => pendingInvitations}
          rowKey={(invitation) => invitation.id}
          label="Pending invitations"
          empty="No invitation is waiting to be accepted."
          columns={[
            { header: 'Email', cellClassName: 'member-cell', cell: (invitation) => invitation.email },
            { header: 'Role', cell: (invitation) => (invitation.role === 'admin' ? 'Admin' : 'Member') },
            { header: 'Expires', className: 'hide-narrow', cellClassName: 'nowrap', cell: (invitation) => formatDate(invitation.expiresAt) },
            {
              header: 'Actions',
              cellClassName: 'row-actions',
              cell: (invitation) => (
                <button type="button" className="btn btn-link btn-link-danger" onClick={() => setPending({ kind: 'revoke', invitation })} aria-label={`Revoke the invitation of ${invitation.email}`}>
                  Revoke
                </button>
              ),
            },
          ]}
        />
      </section>

      {pending?.kind === 'remove' ? (
        <ConfirmDialog title={`Remove ${displayName(pending.user)}?`} confirmLabel="Remove" danger busy={remove.isPending} onConfirm={() => remove.mutate(pending.user)} onCancel={() => setPending(null)}>
          <p>
            {pending.user.email} loses access to this workspace at once. Their account stays, with any other workspaces it belongs to; invite them again to bring them back.
          </p>
        </ConfirmDialog>
      ) : null}
      {pending?.kind === 'reset' ? (
        <ConfirmDialog title={`Reset the password of ${displayName(pending.user)}?`} confirmLabel="Make reset link" busy={reset.isPending} onConfirm={() => reset.mutate(pending.user)} onCancel={() => setPending(null)}>
          <p>You get a one-time link to pass on to {pending.user.email}, valid for 24 hours. When they use it to choose a new password, all their sessions end. An earlier reset link stops working.</p>
        </ConfirmDialog>
      ) : null}
      {pending?.kind === 'revoke' ? (
        <ConfirmDialog title="Revoke this invitation?" confirmLabel="Revoke" danger busy={revoke.isPending} onConfirm={() => revoke.mutate(pending.invitation)} onCancel={() => setPending(null)}>
          <p>The link sent to {pending.invitation.email} stops working. You can invite them again later.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function RolePill({ role }: { role: Role }) {
  return <span className={role === 'admin' ? 'pill pill-ok' : 'pill'}>{role === 'admin' ? 'Admin' : 'Member'}</span>;
}

function InviteForm({ workspace, onInvited }: { workspace: string; onInvited: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const invite = useCreateForm({
    send: (body: { email: string; role: Role }) => api<CreatedInvitation>('POST', `${ws(workspace)}/invitations`, body),
    onCreated: (invitation) => {
      setCreated(invitation);
      setEmail('');
      onInvited();
    },
    shows: (field) => field === 'email',
  });
  return (
    <form className="card" onSubmit={invite.submit(() => ({ email, role }))} aria-labelledby="invite-title">
      <h2 id="invite-title">Invite someone</h2>
      <ErrorMessage error={invite.formError} />
      {created ? (
        <OneTimeSecret title={`Invitation link for ${created.email}`} label="Invitation link" value={created.url} onDone={() => setCreated(null)}>
          <p className="small">Pass it on to them (hubsync sends no email). It works once, until {formatDate(created.expiresAt)}.</p>
        </OneTimeSecret>
      ) : null}
      <div className="form-grid">
        <div className="form-field">
          <label htmlFor="invite-email">Email</label>
          <input id="invite-email" type="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} aria-describedby="invite-email-error" />
          <FieldError id="invite-email-error" error={invite.error} field="email" />
        </div>
        <div className="form-field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="member">Member</option>
            <option value="admin">Admin</option>
          </select>
        </div>
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={invite.busy}>
          {invite.busy ? 'Creating…' : 'Create invitation link'}
        </button>
      </div>
    </form>
  );
}
