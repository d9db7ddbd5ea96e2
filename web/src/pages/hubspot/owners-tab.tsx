// Owners tab (admins): HubSpot's owners of the connected portal as last read, each linked to the
// member of the workspace it is, so a record's owner is pushed as HubSpot's owner id. Members
// with the owner's email are suggested; "Link suggestions" applies them all. An owner HubSpot
// archived stays listed (records owned through it are pushed without an owner, and say so).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get, ws } from '../../api/client.js';
import type { HubSpotOwner, WorkspaceUser } from '../../api/types.js';
import { Empty, ErrorMessage, Loading } from '../../components/ui.js';
import { useWorkspace } from '../../layout.js';

type Owners = { owners: HubSpotOwner[] };

const ownerName = (o: HubSpotOwner) => [o.firstName, o.lastName].filter(Boolean).join(' ') || o.email || `Owner ${o.ownerId}`;

export function OwnersTab() {
  const workspace = useWorkspace();
  const client = useQueryClient();
  const key = ['hubspot-owners', workspace];
  const owners = useQuery({ queryKey: key, queryFn: () => get<Owners>(`${ws(workspace)}/hubspot/owners`) });
  const users = useQuery({ queryKey: ['users', workspace], queryFn: () => get<{ users: WorkspaceUser[] }>(`${ws(workspace)}/users`) });
  const onSuccess = (data: Owners) => client.setQueryData(key, data);
  const refresh = useMutation({ mutationFn: () => api<Owners>('POST', `${ws(workspace)}/hubspot/owners/refresh`), onSuccess });
  const linkSuggested = useMutation({ mutationFn: () => api<Owners>('POST', `${ws(workspace)}/hubspot/owners/link-suggested`), onSuccess });
  const link = useMutation({
    mutationFn: ({ ownerId, userId }: { ownerId: string; userId: string | null }) => api<Owners>('PUT', `${ws(workspace)}/hubspot/owners/${ownerId}`, { userId }),
    onSuccess,
  });

  if (owners.isPending || users.isPending) return <Loading />;
  if (owners.isError) return <ErrorMessage error={owners.error} />;
  if (users.isError) return <ErrorMessage error={users.error} />;
  const members = users.data.users;
  const memberName = (id: string) => members.find((m) => m.id === id)?.name ?? id;
  const list = owners.data.owners;
  const suggestions = list.filter((o) => o.suggestedUserId !== null).length;
  const busy = refresh.isPending || linkSuggested.isPending || link.isPending;

  return (
    <div className="stack">
      <section className="card" aria-labelledby="owners-title">
        <div className="card-header">
          <h2 id="owners-title">HubSpot owners</h2>
          <div className="form-actions">
            {suggestions > 0 ? (
              <button type="button" className="btn" disabled={busy} onClick={() => linkSuggested.mutate()}>
                Link {suggestions} suggestion{suggestions > 1 ? 's' : ''}
              </button>
            ) : null}
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => refresh.mutate()}>
              {refresh.isPending ? 'Reading…' : 'Read owners from HubSpot'}
            </button>
          </div>
        </div>
        <p className="hint">Link each HubSpot owner to the member it is. Organizations, deals and customers owned by a member are pushed with that owner; a member linked to no owner is pushed without one.</p>
        <ErrorMessage error={refresh.error ?? linkSuggested.error ?? link.error} title="The owners were not changed." />
        {list.length === 0 ? (
          <Empty>No owners read yet. Read them from HubSpot (needs the crm.objects.owners.read scope).</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="HubSpot owners">
              <thead>
                <tr>
                  <th scope="col">Owner</th>
                  <th scope="col">Email</th>
                  <th scope="col">In HubSpot</th>
                  <th scope="col">Member</th>
                </tr>
              </thead>
              <tbody>
                {list.map((o) => (
                  <tr key={o.ownerId} data-owner-id={o.ownerId}>
                    <td>
                      {ownerName(o)}
                      <div className="muted small">id {o.ownerId}</div>
                    </td>
                    <td>{o.email ?? '—'}</td>
                    <td>{o.archived ? <span className="badge badge-not_synced">Archived</span> : 'Active'}</td>
                    <td>
                      <select aria-label={`Member for ${ownerName(o)}`} value={o.userId ?? ''} disabled={busy} onChange={(e) => link.mutate({ ownerId: o.ownerId, userId: e.target.value || null })}>
                        <option value="">— No member —</option>
                        {members.map((m) => (
                          <option key={m.id} value={m.id}>
                            {m.name} ({m.email})
                          </option>
                        ))}
                      </select>
                      {o.suggestedUserId ? <div className="hint">Suggested: {memberName(o.suggestedUserId)} (same email)</div> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
