// Tags (issue 16): the workspace's tag catalog (seed 001's built-in tags and its own), how many
// customers carry each, the activity rules that apply them, the `hubsync_tags` contact property
// and a HubSpot list per tag, with when each last reached HubSpot, and whether activities also
// go to HubSpot as custom behavioral events (Enterprise hubs). Admins change everything here;
// members read it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, get, ws } from '../api/client.js';
import { ACTIVITY_TYPE_LABELS, type ActivityEvents, type ListMissingAction, type Tag, type TagProperty, type TagRule, type TagsView } from '../api/types.js';
import { ErrorMessage, formatDate, PageHeader, QueryView } from '../components/ui.js';
import { useWorkspace } from '../layout.js';
import { useMembership } from '../session.js';

const when = (ms: number | null) => (ms === null ? '—' : formatDate(new Date(ms).toISOString()));

export function TagsPage() {
  const workspace = useWorkspace();
  const isAdmin = useMembership(workspace)?.role === 'admin';
  const key = ['tags', workspace];
  const tags = useQuery({ queryKey: key, queryFn: () => get<TagsView>(`${ws(workspace)}/tags`) });
  return (
    <>
      <PageHeader title="Tags" />
      <p className="lead">
        Tags are the customers’ <code>tags</code> field. Activities apply them by the rules below; HubSpot gets them in the contact property <code>hubsync_tags</code> and, for the tags you choose, in a
        static list — the triggers of HubSpot workflows (see docs/workflows.md).
      </p>
      <QueryView query={tags} isEmpty={() => false} empty={null}>
        {(data) => (
          <>
            <PropertyCard property={data.property} lastPush={data.lastContactPushAt} isAdmin={isAdmin} />
            <CatalogCard tags={data.tags} isAdmin={isAdmin} />
            {isAdmin ? <NewTagForm /> : null}
            <RulesCard rules={data.rules} tags={data.tags} isAdmin={isAdmin} />
            <EventsCard events={data.events} isAdmin={isAdmin} />
          </>
        )}
      </QueryView>
    </>
  );
}

function useRefresh() {
  const workspace = useWorkspace();
  const client = useQueryClient();
  return () => void client.invalidateQueries({ queryKey: ['tags', workspace] });
}

const PROPERTY_STATE: Record<TagProperty['state'], string> = { none: 'Not created yet', ready: 'In HubSpot', error: 'Needs attention' };

function PropertyCard({ property, lastPush, isAdmin }: { property: TagProperty; lastPush: number | null; isAdmin: boolean }) {
  const workspace = useWorkspace();
  const refresh = useRefresh();
  const toggle = useMutation({ mutationFn: (enabled: boolean) => api<TagProperty>('PUT', `${ws(workspace)}/tags/property`, { enabled }), onSettled: refresh });
  const sync = useMutation({ mutationFn: () => api<TagProperty>('POST', `${ws(workspace)}/tags/property/sync`), onSettled: refresh });
  return (
    <section className="card" aria-labelledby="tag-property-title">
      <h2 id="tag-property-title">Contact property</h2>
      <dl className="facts">
        <div>
          <dt>Property</dt>
          <dd>
            <code>{property.name}</code> (multiple checkboxes; one option per tag, value = key)
          </dd>
        </div>
        <div>
          <dt>State</dt>
          <dd data-testid="tag-property-state">
            {property.enabled ? PROPERTY_STATE[property.state] : 'Off'}
            {property.enabled && property.state === 'ready' && !property.upToDate ? ' · options update with the next push' : ''}
          </dd>
        </div>
        <div>
          <dt>Options last written</dt>
          <dd>{when(property.syncedAt)}</dd>
        </div>
        <div>
          <dt>Last contact push</dt>
          <dd>{when(lastPush)}</dd>
        </div>
      </dl>
      {property.error ? (
        <p className="alert alert-error" role="alert">
          {property.error}
        </p>
      ) : null}
      <ErrorMessage error={toggle.error ?? sync.error} />
      {isAdmin ? (
        <div className="form-actions">
          <label className="inline-field">
            <input type="checkbox" checked={property.enabled} disabled={toggle.isPending} onChange={(e) => toggle.mutate(e.target.checked)} />
            <span>Write tags to {property.name}</span>
          </label>
          <button type="button" className="btn btn-secondary" disabled={!property.enabled || sync.isPending} onClick={() => sync.mutate()}>
            {property.state === 'ready' ? 'Update options in HubSpot' : 'Create in HubSpot'}
          </button>
        </div>
      ) : null}
    </section>
  );
}

function eventsState(events: ActivityEvents): string {
  switch (events.state) {
    case 'off':
      return 'Off';
    case 'pending':
      return 'On · not checked with HubSpot yet';
    case 'ready':
      return `On · ${events.sent} sent${events.queued > 0 ? ` · ${events.queued} waiting` : ''}`;
    case 'unavailable':
      return `Unavailable: ${events.message ?? 'HubSpot refused the events API'}`;
    case 'error':
      return `Failed: ${events.message ?? 'HubSpot refused the last batch'}${events.queued > 0 ? ` · ${events.queued} waiting` : ''}`;
  }
}

function EventsCard({ events, isAdmin }: { events: ActivityEvents; isAdmin: boolean }) {
  const workspace = useWorkspace();
  const refresh = useRefresh();
  const toggle = useMutation({ mutationFn: (enabled: boolean) => api<ActivityEvents>('PUT', `${ws(workspace)}/tags/events`, { enabled }), onSettled: refresh });
  const types = Object.keys(events.definitions);
  return (
    <section className="card" aria-labelledby="tag-events-title">
      <h2 id="tag-events-title">Custom behavioral events</h2>
      <p className="muted">
        Enterprise hubs only. Each activity also goes to HubSpot as an occurrence of the event <code>hubsync_&lt;activity type&gt;</code> on its contact, for workflows that enrol on events. Other portals
        refuse; hubsync then says so here and stops trying until you turn it on again. Sync runs never wait for it.
      </p>
      <dl className="facts">
        <div>
          <dt>State</dt>
          <dd data-testid="tag-events-state">{eventsState(events)}</dd>
        </div>
        <div>
          <dt>Event definitions</dt>
          <dd>{types.length === 0 ? '—' : types.map((t) => ACTIVITY_TYPE_LABELS[t as keyof typeof ACTIVITY_TYPE_LABELS] ?? t).join(', ')}</dd>
        </div>
        <div>
          <dt>Last sent</dt>
          <dd>{when(events.sentAt)}</dd>
        </div>
      </dl>
      {events.state === 'unavailable' ? (
        <p className="alert alert-error" role="alert">
          This HubSpot portal cannot take custom events (they need an Enterprise hub and the events scopes): {events.message}
        </p>
      ) : null}
      <ErrorMessage error={toggle.error} />
      {isAdmin ? (
        <div className="form-actions">
          <label className="inline-field">
            <input type="checkbox" checked={events.enabled} disabled={toggle.isPending} onChange={(e) => toggle.mutate(e.target.checked)} />
            <span>Also send activities as HubSpot custom events</span>
          </label>
          {events.state === 'unavailable' ? (
            <button type="button" className="btn btn-secondary" disabled={toggle.isPending} onClick={() => toggle.mutate(true)}>
              Try again
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function CatalogCard({ tags, isAdmin }: { tags: Tag[]; isAdmin: boolean }) {
  const workspace = useWorkspace();
  const refresh = useRefresh();
  const flush = useMutation({ mutationFn: () => api('POST', `${ws(workspace)}/tags/lists/flush`), onSettled: refresh });
  return (
    <section className="card card-flush" aria-labelledby="tag-catalog-title">
      <h2 id="tag-catalog-title" className="card-title">
        Catalog
      </h2>
      <ErrorMessage error={flush.error} />
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Tag</th>
              <th scope="col">Customers</th>
              <th scope="col">HubSpot list</th>
              <th scope="col">List state</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tags.map((t) => (
              <TagRow key={t.key} tag={t} isAdmin={isAdmin} onChanged={refresh} />
            ))}
          </tbody>
        </table>
      </div>
      {isAdmin ? (
        <div className="form-actions padded">
          <button type="button" className="btn btn-secondary" disabled={flush.isPending} onClick={() => flush.mutate()}>
            Push lists now
          </button>
        </div>
      ) : null}
    </section>
  );
}

function listState(t: Tag): string {
  if (!t.list.enabled) return '—';
  const pending = t.list.pending > 0 ? ` · ${t.list.pending} waiting` : '';
  if (t.list.status === 'missing') return `Deleted in HubSpot${pending}`;
  if (t.list.status === 'error') return `Failed${pending}`;
  if (t.list.listId === null) return `Not created yet${pending}`;
  return `Pushed ${when(t.list.pushedAt)}${pending}`;
}

function TagRow({ tag, isAdmin, onChanged }: { tag: Tag; isAdmin: boolean; onChanged: () => void }) {
  const workspace = useWorkspace();
  const [label, setLabel] = useState(tag.label);
  const path = `${ws(workspace)}/tags/${encodeURIComponent(tag.key)}`;
  const change = useMutation({ mutationFn: (body: object) => api<Tag>('PATCH', path, body), onSettled: onChanged });
  const remove = useMutation({ mutationFn: () => api('DELETE', path), onSettled: onChanged });
  const renamed = label.trim() !== '' && label !== tag.label;
  return (
    <tr>
      <td>
        {isAdmin ? (
          <form
            className="inline-form"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              if (renamed) change.mutate({ label: label.trim() });
            }}
          >
            <label className="visually-hidden" htmlFor={`tag-label-${tag.key}`}>
              Label of {tag.key}
            </label>
            <input id={`tag-label-${tag.key}`} size={28} value={label} onChange={(e) => setLabel(e.target.value)} />
            {renamed ? (
              <button type="submit" className="btn btn-secondary btn-small">
                Rename
              </button>
            ) : null}
          </form>
        ) : (
          tag.label
        )}
        <div className="muted">
          <code>{tag.key}</code>
          {tag.builtIn ? ' · built-in' : ''}
        </div>
        {change.error || remove.error ? <ErrorMessage error={change.error ?? remove.error} /> : null}
      </td>
      <td>
        <Link to={`/w/${workspace}/customers?tag=${encodeURIComponent(tag.key)}`}>{tag.customers}</Link>
      </td>
      <td>
        <label className="inline-field">
          <input type="checkbox" checked={tag.list.enabled} disabled={!isAdmin || change.isPending} onChange={(e) => change.mutate({ list: { enabled: e.target.checked } })} aria-label={`HubSpot list for ${tag.key}`} />
          <span className="muted">{tag.list.name}</span>
        </label>
        {tag.list.enabled ? (
          <div>
            <select value={tag.list.missing} disabled={!isAdmin} aria-label={`If the list of ${tag.key} is deleted in HubSpot`} onChange={(e) => change.mutate({ list: { missing: e.target.value as ListMissingAction } })}>
              <option value="recreate">If deleted in HubSpot: re-create it</option>
              <option value="report">If deleted in HubSpot: report it</option>
            </select>
          </div>
        ) : null}
      </td>
      <td title={tag.list.error ?? undefined} data-testid={`list-state-${tag.key}`}>
        {listState(tag)}
      </td>
      <td>
        {isAdmin && !tag.builtIn ? (
          <button type="button" className="btn btn-danger-outline btn-small" disabled={remove.isPending} onClick={() => remove.mutate()}>
            Delete
          </button>
        ) : null}
      </td>
    </tr>
  );
}

function NewTagForm() {
  const workspace = useWorkspace();
  const refresh = useRefresh();
  const [key, setKey] = useState('');
  const [label, setLabel] = useState('');
  const create = useMutation({
    mutationFn: () => api<Tag>('POST', `${ws(workspace)}/tags`, { key: key.trim(), ...(label.trim() ? { label: label.trim() } : {}) }),
    onSuccess: () => {
      setKey('');
      setLabel('');
      refresh();
    },
  });
  return (
    <form
      className="card"
      aria-labelledby="new-tag-title"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <h2 id="new-tag-title">New tag</h2>
      <ErrorMessage error={create.error} />
      <div className="form-grid">
        <div className="form-field">
          <label htmlFor="new-tag-key">Key</label>
          <input id="new-tag-key" value={key} required onChange={(e) => setKey(e.target.value)} />
          <p className="hint">What customers and HubSpot store; it never changes.</p>
        </div>
        <div className="form-field">
          <label htmlFor="new-tag-label">Label</label>
          <input id="new-tag-label" value={label} onChange={(e) => setLabel(e.target.value)} />
        </div>
      </div>
      <button type="submit" className="btn btn-primary" disabled={create.isPending}>
        Add tag
      </button>
    </form>
  );
}

const keysOf = (text: string) =>
  text
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);

function RulesCard({ rules, tags, isAdmin }: { rules: TagRule[]; tags: Tag[]; isAdmin: boolean }) {
  const workspace = useWorkspace();
  const refresh = useRefresh();
  const [draft, setDraft] = useState(() => rules.map((r) => ({ activityType: r.activityType, add: r.add.join(', '), remove: r.remove.join(', ') })));
  const save = useMutation({
    mutationFn: (body: { rules: TagRule[] | null }) => api<{ rules: TagRule[] }>('PUT', `${ws(workspace)}/tags/rules`, body),
    onSuccess: (saved) => {
      setDraft(saved.rules.map((r) => ({ activityType: r.activityType, add: r.add.join(', '), remove: r.remove.join(', ') })));
      refresh();
    },
  });
  const labelOf = (key: string) => tags.find((t) => t.key === key)?.label ?? key;
  return (
    <section className="card card-flush" aria-labelledby="tag-rules-title">
      <h2 id="tag-rules-title" className="card-title">
        Activity rules
      </h2>
      <p className="muted padded">An appended activity adds and removes these tags on its customer, in the order the activities happened. Tag keys, separated by commas.</p>
      <ErrorMessage error={save.error} />
      {save.isSuccess ? (
        <p className="alert alert-success" role="status">
          Rules saved.
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Activity</th>
              <th scope="col">Adds</th>
              <th scope="col">Removes</th>
            </tr>
          </thead>
          <tbody>
            {draft.map((r, i) => (
              <tr key={r.activityType}>
                <th scope="row">{ACTIVITY_TYPE_LABELS[r.activityType]}</th>
                {(['add', 'remove'] as const).map((part) => (
                  <td key={part}>
                    {isAdmin ? (
                      <input
                        style={{ width: '100%' }}
                        aria-label={`${part === 'add' ? 'Adds' : 'Removes'} on ${ACTIVITY_TYPE_LABELS[r.activityType]}`}
                        value={r[part]}
                        onChange={(e) => setDraft(draft.map((d, j) => (j === i ? { ...d, [part]: e.target.value } : d)))}
                      />
                    ) : (
                      keysOf(r[part]).map(labelOf).join(', ') || '—'
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {isAdmin ? (
        <div className="form-actions padded">
          <button type="button" className="btn btn-primary" disabled={save.isPending} onClick={() => save.mutate({ rules: draft.map((d) => ({ activityType: d.activityType, add: keysOf(d.add), remove: keysOf(d.remove) })) })}>
            Save rules
          </button>
          <button type="button" className="btn btn-secondary" disabled={save.isPending} onClick={() => save.mutate({ rules: null })}>
            Restore seed 001’s rules
          </button>
        </div>
      ) : null}
    </section>
  );
}
