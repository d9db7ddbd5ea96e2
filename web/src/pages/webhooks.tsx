// Webhooks (admins): the host app's endpoints that receive this workspace's events, a new
// endpoint's signing secret shown once, and an endpoint's deliveries with a Replay button.
// The contract (events, signature) is docs/webhooks-out.md.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, get, query, ws } from '../api/client.js';
import { PagedTable } from '../components/paged-table.js';
import { ErrorMessage, formatDate, PageHeader } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  createdAt: string;
}

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastResponseMs: number | null;
  lastError: string | null;
  replayOf: string | null;
  createdAt: string;
}

const key = (workspace: string) => ['webhook-endpoints', workspace];

export function WebhooksPage() {
  const workspace = useWorkspace();
  const client = useQueryClient();
  const list = useQuery({ queryKey: key(workspace), queryFn: () => get<{ endpoints: Endpoint[]; eventTypes: string[] }>(`${ws(workspace)}/webhook-endpoints`) });
  const [open, setOpen] = useState<string | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: key(workspace) });
  return (
    <>
      <PageHeader title="Webhooks" />
      <p className="muted">hubsync sends this workspace’s events to your app’s endpoints, signed with each endpoint’s secret (header Hubsync-Signature), and retries for about a day.</p>
      {list.data ? <NewEndpoint workspace={workspace} eventTypes={list.data.eventTypes} onCreated={refresh} /> : null}
      <div className="card card-flush">
        <PagedTable
          query={list}
          rows={(data) => data.endpoints}
          rowKey={(e) => e.id}
          label="Webhook endpoints"
          empty="No endpoint yet."
          columns={[
            {
              header: 'URL',
              cell: (e) => (
                <>
                  <code>{e.url}</code>
                  {e.description ? <div className="muted small">{e.description}</div> : null}
                </>
              ),
            },
            { header: 'Events', cell: (e) => e.events.join(', ') },
            { header: 'State', cell: (e) => (e.enabled ? 'Enabled' : 'Disabled') },
            {
              header: 'Actions',
              cellClassName: 'nowrap',
              cell: (e) => <EndpointActions workspace={workspace} endpoint={e} open={open === e.id} onToggle={() => setOpen(open === e.id ? null : e.id)} onChanged={refresh} />,
            },
          ]}
        />
      </div>
      {open ? <Deliveries workspace={workspace} endpointId={open} /> : null}
    </>
  );
}

function NewEndpoint({ workspace, eventTypes, onCreated }: { workspace: string; eventTypes: string[]; onCreated: () => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['run.finished']);
  const create = useMutation({
    mutationFn: () => api<Endpoint & { secret: string }>('POST', `${ws(workspace)}/webhook-endpoints`, { url, events }),
    onSuccess: () => {
      setUrl('');
      onCreated();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const toggle = (type: string) => setEvents((current) => (current.includes(type) ? current.filter((t) => t !== type) : [...current, type]));
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-endpoint-title">
      <h2 id="new-endpoint-title">New endpoint</h2>
      {create.error ? <ErrorMessage error={create.error} /> : null}
      {create.isSuccess ? (
        <div className="alert alert-success" role="status">
          Endpoint added. Its signing secret, shown only now: <code>{create.data.secret}</code>
        </div>
      ) : null}
      <div className="form-grid">
        <div className="form-field">
          <label htmlFor="wh-url">URL</label>
          <input id="wh-url" type="url" value={url} required onChange={(e) => setUrl(e.target.value)} placeholder="https://app.example.com/hubsync-events" />
        </div>
        <fieldset className="form-field">
          <legend>Events</legend>
          {eventTypes.map((type) => (
            <label key={type} className="checkbox">
              <input type="checkbox" checked={events.includes(type)} onChange={() => toggle(type)} /> <code>{type}</code>
            </label>
          ))}
        </fieldset>
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending || events.length === 0}>
          {create.isPending ? 'Adding…' : 'Add endpoint'}
        </button>
      </div>
    </form>
  );
}

/** An endpoint's buttons: its deliveries, enable / disable, remove. */
function EndpointActions({ workspace, endpoint, open, onToggle, onChanged }: { workspace: string; endpoint: Endpoint; open: boolean; onToggle: () => void; onChanged: () => void }) {
  const path = `${ws(workspace)}/webhook-endpoints/${endpoint.id}`;
  const change = useMutation({ mutationFn: (enabled: boolean) => api('PATCH', path, { enabled }), onSuccess: onChanged });
  const remove = useMutation({ mutationFn: () => api('DELETE', path), onSuccess: onChanged });
  return (
    <>
      <button type="button" className="btn btn-link" onClick={onToggle} aria-expanded={open}>
        {open ? 'Hide deliveries' : 'Deliveries'}
      </button>
      <button type="button" className="btn btn-link" onClick={() => change.mutate(!endpoint.enabled)} disabled={change.isPending}>
        {endpoint.enabled ? 'Disable' : 'Enable'}
      </button>
      <button type="button" className="btn btn-link" onClick={() => remove.mutate()} disabled={remove.isPending} aria-label={`Remove ${endpoint.url}`}>
        Remove
      </button>
    </>
  );
}

function Deliveries({ workspace, endpointId }: { workspace: string; endpointId: string }) {
  const path = `${ws(workspace)}/webhook-endpoints/${endpointId}/deliveries`;
  const list = useQuery({ queryKey: ['webhook-deliveries', workspace, endpointId], queryFn: () => get<{ deliveries: Delivery[] }>(`${path}${query({ limit: 50 })}`) });
  const replay = useMutation({ mutationFn: (id: string) => api('POST', `${path}/${id}/replay`), onSuccess: () => list.refetch() });
  return (
    <div className="card card-flush">
      <h2 className="card-title">Deliveries</h2>
      {replay.error ? <ErrorMessage error={replay.error} /> : null}
      <PagedTable
        query={list}
        rows={(data) => data.deliveries}
        rowKey={(d) => d.id}
        label="Deliveries"
        empty="Nothing sent to this endpoint yet."
        columns={[
          { header: 'Created', cellClassName: 'nowrap', cell: (d) => formatDate(d.createdAt) },
          {
            header: 'Event',
            cell: (d) => (
              <>
                <code>{d.eventType}</code>
                {d.replayOf ? <div className="muted small">replay</div> : null}
              </>
            ),
          },
          { header: 'Status', cell: (d) => d.status },
          { header: 'Attempts', cell: (d) => d.attempts },
          {
            header: 'Last answer',
            cell: (d) => (
              <>
                {d.lastStatusCode ?? '—'}
                {d.lastResponseMs !== null ? <span className="muted small"> · {d.lastResponseMs} ms</span> : null}
                {d.lastError ? <div className="muted small">{d.lastError}</div> : null}
              </>
            ),
          },
          { header: 'Next attempt', cellClassName: 'nowrap', cell: (d) => (d.nextAttemptAt ? formatDate(d.nextAttemptAt) : '—') },
          {
            header: 'Actions',
            cell: (d) => (
              <button type="button" className="btn btn-link" onClick={() => replay.mutate(d.id)} disabled={replay.isPending}>
                Replay
              </button>
            ),
          },
        ]}
      />
    </div>
  );
}
