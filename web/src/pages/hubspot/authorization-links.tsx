// Connection tab → Authorization links (admins, OAuth configured): a link for whoever holds the
// HubSpot account, who approves hubsync without a hubsync account (seeds 002/003: "click the
// authorisation link"). The link is shown once, right after it is made (OneTimeSecret); the
// list shows each link's status and revokes active ones. While a link is active the list is
// re-read now and then, so the tab turns Connected soon after the person approves.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, connectionKey, get, ws } from '../../api/client.js';
import type { AuthorizationLink, AuthorizationLinkStatus, CreatedAuthorizationLink } from '../../api/types.js';
import { useCreateForm } from '../../components/create-form.js';
import { OneTimeSecret } from '../../components/one-time-secret.js';
import { PagedTable } from '../../components/paged-table.js';
import { ErrorMessage, formatDate } from '../../components/ui.js';

const VALIDITY: { hours: number; label: string }[] = [
  { hours: 1, label: '1 hour' },
  { hours: 24, label: '1 day' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '7 days' },
  { hours: 336, label: '14 days' },
  { hours: 720, label: '30 days' },
];

const STATUS_TEXT: Record<AuthorizationLinkStatus, { label: string; tone: 'ok' | 'warn' | 'error' | 'off' }> = {
  active: { label: 'Active', tone: 'ok' },
  used: { label: 'Used', tone: 'off' },
  expired: { label: 'Expired', tone: 'warn' },
  revoked: { label: 'Revoked', tone: 'error' },
};

const linksKey = (workspace: string) => ['authorization-links', workspace];

export function AuthorizationLinks({ workspace }: { workspace: string }) {
  const client = useQueryClient();
  const path = `${ws(workspace)}/hubspot/authorization-links`;
  const links = useQuery({
    queryKey: linksKey(workspace),
    queryFn: () => get<{ links: AuthorizationLink[] }>(path),
    refetchInterval: (q) => (q.state.data?.links.some((l) => l.status === 'active') ? 10_000 : false),
  });
  const [hours, setHours] = useState(168);
  const [created, setCreated] = useState<CreatedAuthorizationLink | null>(null);
  const create = useCreateForm({
    send: (body: { expiresInHours: number }) => api<CreatedAuthorizationLink>('POST', path, body),
    onCreated: (link) => {
      setCreated(link);
      void client.invalidateQueries({ queryKey: linksKey(workspace) });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `${path}/${encodeURIComponent(id)}`),
    onSuccess: () => client.invalidateQueries({ queryKey: linksKey(workspace) }),
  });

  // A link turned used: the workspace was connected through it.
  const usedCount = links.data?.links.filter((l) => l.status === 'used').length;
  const seenUsed = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (usedCount === undefined) return;
    if (seenUsed.current !== undefined && usedCount > seenUsed.current) void client.invalidateQueries({ queryKey: connectionKey(workspace) });
    seenUsed.current = usedCount;
  }, [usedCount, client, workspace]);

  return (
    <section className="card" aria-labelledby="auth-links-title">
      <h2 id="auth-links-title">Authorization links</h2>
      <p>
        Someone else holds the HubSpot account? Send them a link: they approve hubsync in HubSpot — no hubsync account needed — and this workspace is connected. A link works once
        and can be revoked until it is used.
      </p>
      <form onSubmit={create.submit(() => ({ expiresInHours: hours }))} className="auth-link-form">
        <div className="form-field">
          <label htmlFor="auth-link-validity">Valid for</label>
          <select id="auth-link-validity" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {VALIDITY.map((v) => (
              <option key={v.hours} value={v.hours}>
                {v.label}
              </option>
            ))}
          </select>
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={create.busy}>
            {create.busy ? 'Creating…' : 'Create link'}
          </button>
        </div>
      </form>
      <ErrorMessage error={create.error} />
      {created ? (
        <OneTimeSecret title="Authorization link created" label="Authorization link" value={created.url} onDone={() => setCreated(null)} testId="authorization-link-url">
          <p className="small">Valid until {formatDate(created.expiresAt)}. Send it to the person who holds the HubSpot account; it works once.</p>
        </OneTimeSecret>
      ) : null}
      <ErrorMessage error={revoke.error} />
      <PagedTable
        query={links}
        rows={(data) => data.links}
        rowKey={(link) => link.id}
        rowProps={(link) => ({ 'data-testid': `authorization-link-${link.id}` })}
        label="Authorization links"
        empty="No authorization link yet."
        columns={[
          {
            header: 'Created',
            cell: (link) => (
              <>
                {formatDate(link.createdAt)}
                <div className="muted small">by {link.createdBy}</div>
              </>
            ),
          },
          { header: 'Expires', cell: (link) => formatDate(link.expiresAt) },
          {
            header: 'Status',
            cell: (link) => (
              <>
                <span className={`status-dot-label tone-${STATUS_TEXT[link.status].tone}`}>
                  <span className="status-dot" aria-hidden="true" />
                  {STATUS_TEXT[link.status].label}
                </span>
                {link.status === 'used' ? (
                  <div className="muted small">
                    {formatDate(link.usedAt)}: portal {link.portalId ?? '—'}
                    {link.connectedBy ? ` by ${link.connectedBy}` : ''}
                  </div>
                ) : null}
              </>
            ),
          },
          {
            header: 'Actions',
            cellClassName: 'nowrap',
            cell: (link) =>
              link.status === 'active' ? (
                <button type="button" className="btn btn-link" onClick={() => revoke.mutate(link.id)} disabled={revoke.isPending} aria-label={`Revoke the link created ${formatDate(link.createdAt)}`}>
                  Revoke
                </button>
              ) : null,
          },
        ]}
      />
    </section>
  );
}
