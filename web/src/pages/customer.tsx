// One customer: every field (built-in and custom), its sync status and HubSpot id (a link into
// HubSpot), its organizations, its deals, its activity timeline, and an edit form that sends
// only what changed (an emptied field is sent as null, which clears it).
import { useQueries } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { get, ws } from '../api/client.js';
import { BUILT_IN_FIELDS, type Organization } from '../api/types.js';
import { ActivityTimeline } from '../components/activity-timeline.js';
import { displayValue, TextField } from '../components/record-fields.js';
import { Fact, RecordFrame, useRecordPage } from '../components/record-page.js';
import { customerName } from './customers.js';
import { LinkedDeals } from './deals.js';
import { organizationName } from './organizations.js';

const CUSTOMER_KEYS = BUILT_IN_FIELDS.map((f) => f.key);

export function CustomerPage() {
  const { customerId = '' } = useParams();
  const page = useRecordPage('customers', customerId, CUSTOMER_KEYS);
  if (!page.ready) return page.view;
  const { workspace, record: c, form } = page;
  const { save, set } = form;

  return (
    <RecordFrame
      page={page}
      title={customerName(c)}
      inputs={(draft) => (
        <>
          {BUILT_IN_FIELDS.map((f) => (
            <TextField key={f.key} id={`f-${f.key}`} label={f.label} field={f.key} type={f.key === 'email' ? 'email' : 'text'} value={String(draft[f.key] ?? '')} onChange={(v) => set(f.key, v)} error={save.error} />
          ))}
          <TextField id="f-tags" label="Tags" hint="Separate tags with commas" field="tags" value={String(draft['tags'] ?? '')} onChange={(v) => set('tags', v)} error={save.error} />
        </>
      )}
      facts={
        <>
          {BUILT_IN_FIELDS.map((f) => (
            <Fact key={f.key} label={f.label}>
              {displayValue(c[f.key])}
            </Fact>
          ))}
          <Fact label="Tags">{c.tags.length ? c.tags.map((t) => <span key={t} className="tag">{t}</span>) : '—'}</Fact>
        </>
      }
    >
      <CustomerOrganizations workspace={workspace} organizationIds={c.organizationIds} />
      <LinkedDeals workspace={workspace} of={{ customerId: c.id }} label="Customer deals" empty="No deals are linked to this customer." />
      <ActivityTimeline workspace={workspace} of={{ customerId: c.id }} />
    </RecordFrame>
  );
}

/** The organizations a customer belongs to, the primary one (the first) marked. */
function CustomerOrganizations({ workspace, organizationIds }: { workspace: string; organizationIds: string[] }) {
  const organizations = useQueries({
    queries: organizationIds.map((id) => ({ queryKey: ['organization', workspace, id], queryFn: () => get<Organization>(`${ws(workspace)}/organizations/${encodeURIComponent(id)}`) })),
  });
  return (
    <section className="card" aria-labelledby="organizations-heading">
      <h2 id="organizations-heading">Organizations</h2>
      {organizationIds.length === 0 ? (
        <p className="muted">Not a member of any organization.</p>
      ) : (
        <ul className="record-links">
          {organizationIds.map((id, i) => {
            const o = organizations[i]?.data;
            return (
              <li key={id}>
                <Link to={`/w/${workspace}/organizations/${encodeURIComponent(id)}`}>{o ? organizationName(o) : id}</Link>
                {o?.domain ? <span className="muted"> · {o.domain}</span> : null}
                {i === 0 ? <span className="tag tag-primary">Primary</span> : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
