// Connection tab: paste a HubSpot access token and Save; hubsync checks it live and shows
// the outcome (Connected with the portal id, the exact scope to add, or HubSpot's message).
// The stored token can be revealed with the eye button; Disconnect asks first. Seed 001's
// Platform Settings sit here too: the Portal ID beside the key (checked against the token's
// account) and the "Sync Contacts" / "Sync Companies" toggles (on-change push, companies).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { api, ApiError, connectionKey, get, ws } from '../../api/client.js';
import { TRIGGER_LABELS, type Connection, type ConnectionStatus, type HealthState, type SyncSettings } from '../../api/types.js';
import { ConfirmDialog, ErrorMessage, formatDate, formatNumber, Loading } from '../../components/ui.js';
import { useWorkspace } from '../../layout.js';
import { useMembership } from '../../session.js';
import { AuthorizationLinks } from './authorization-links.js';
import { settingsKey } from './settings-tab.js';

const STATUS_TEXT: Record<ConnectionStatus, { label: string; tone: 'ok' | 'warn' | 'error' | 'off' }> = {
  connected: { label: 'Connected', tone: 'ok' },
  not_connected: { label: 'Not connected', tone: 'off' },
  token_invalid: { label: 'Token invalid', tone: 'error' },
  missing_scopes: { label: 'Missing scopes', tone: 'error' },
  rate_limited: { label: 'Rate limited', tone: 'warn' },
  reconnect_needed: { label: 'Reconnect needed', tone: 'error' },
};

const REQUIRED_SCOPES = ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read'];
const OPTIONAL_SCOPES: [string, string][] = [
  ['crm.schemas.contacts.write', 'optional: create contact properties'],
  ['crm.objects.owners.read', 'optional: push record owners'],
];
const TYPE_NAMES: Record<string, string> = { companies: 'companies', deals: 'deals', notes: 'activities' };

/** The scopes the token needs: contacts always, each type turned on in Settings, then the optional ones. */
function scopeList(settings: SyncSettings | undefined): { scope: string; note: string | null }[] {
  const listed = new Set(REQUIRED_SCOPES);
  const out = REQUIRED_SCOPES.map((scope) => ({ scope, note: null as string | null }));
  for (const type of settings?.objectTypes ?? []) {
    if (!type.enabled || type.objectType === 'contacts') continue;
    for (const scope of type.requiredScopes) {
      if (listed.has(scope)) continue;
      listed.add(scope);
      out.push({ scope, note: `for ${TYPE_NAMES[type.objectType] ?? type.objectType}` });
    }
  }
  return [...out, ...OPTIONAL_SCOPES.map(([scope, note]) => ({ scope, note }))];
}

export function ConnectionTab() {
  const workspace = useWorkspace();
  const client = useQueryClient();
  const [params] = useSearchParams();
  const connection = useQuery({
    queryKey: connectionKey(workspace),
    queryFn: () => get<Connection>(`${ws(workspace)}/hubspot/connection`),
    // While changes wait to be pushed, the count is watched going down.
    refetchInterval: (q) => (q.state.data?.health.pendingChanges ? 5000 : false),
  });
  // The scopes to ask for follow the object types turned on in Settings.
  const settings = useQuery({ queryKey: settingsKey(workspace), queryFn: () => get<SyncSettings>(`${ws(workspace)}/hubspot/settings`) });
  const [token, setToken] = useState('');
  const [portalId, setPortalId] = useState('');
  const isAdmin = useMembership(workspace)?.role === 'admin';
  const toggle = useMutation({
    mutationFn: (patch: Partial<Pick<SyncSettings, 'pushContactsOnChange' | 'syncCompanies'>>) => api<SyncSettings>('PATCH', `${ws(workspace)}/hubspot/settings`, patch),
    onSuccess: (next) => client.setQueryData(settingsKey(workspace), next),
  });
  const [revealed, setRevealed] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);

  const afterChange = (next: Connection | null) => {
    if (next) client.setQueryData(connectionKey(workspace), next);
    else void client.invalidateQueries({ queryKey: connectionKey(workspace) });
    void client.invalidateQueries({ queryKey: ['mapping', workspace] });
    void client.invalidateQueries({ queryKey: ['sync', workspace] });
  };

  const save = useMutation({
    mutationFn: (accessToken: string) => api<Connection>('PUT', `${ws(workspace)}/hubspot/connection`, { accessToken, ...(portalId.trim() ? { portalId: portalId.trim() } : {}) }),
    onSuccess: (next) => {
      setToken('');
      setRevealed(null);
      afterChange(next);
    },
  });
  const reveal = useMutation({
    mutationFn: () => api<{ accessToken: string }>('POST', `${ws(workspace)}/hubspot/connection/reveal`),
    onSuccess: (r) => setRevealed(r.accessToken),
  });
  const disconnect = useMutation({
    mutationFn: () => api<void>('DELETE', `${ws(workspace)}/hubspot/connection`),
    onSuccess: () => {
      setConfirming(false);
      setRevealed(null);
      save.reset();
      afterChange(null);
    },
  });
  const oauth = useMutation({
    mutationFn: () => api<{ url: string }>('POST', `${ws(workspace)}/hubspot/oauth/start`),
    onSuccess: (r) => window.location.assign(r.url),
  });

  if (connection.isPending) return <Loading />;
  if (connection.isError) return <ErrorMessage error={connection.error} />;
  const c = connection.data;
  const status = STATUS_TEXT[c.status];
  const isConnected = c.status !== 'not_connected';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim()) save.mutate(token.trim());
  };

  const saveError = save.error instanceof ApiError ? save.error : save.error ? new ApiError(0, 'UNKNOWN', String(save.error)) : null;

  return (
    <div className="stack">
      {params.get('connected') === 'oauth' && c.status === 'connected' ? (
        <p className="alert alert-success" role="status">
          HubSpot is connected through OAuth.
        </p>
      ) : null}

      <section className="card" aria-labelledby="conn-status-title">
        <div className="card-header">
          <h2 id="conn-status-title">Status</h2>
          <span className={`status-dot-label tone-${status.tone}`} data-testid="connection-status">
            <span className="status-dot" aria-hidden="true" />
            {status.label}
          </span>
        </div>
        {isConnected ? (
          <dl className="facts">
            <div>
              <dt>HubSpot portal</dt>
              <dd>{c.portalId ?? '—'}</dd>
            </div>
            <div>
              <dt>Method</dt>
              <dd>{c.method === 'oauth' ? 'OAuth' : c.source === 'environment' ? 'Access token (from the environment)' : 'Access token'}</dd>
            </div>
            <div>
              <dt>Connected</dt>
              <dd>
                {formatDate(c.connectedAt)}
                {c.connectedBy ? <span className="muted"> by {c.connectedBy}</span> : null}
              </dd>
            </div>
            <div>
              <dt>Stored token</dt>
              <dd className="token-row">
                <code className="token" data-testid="stored-token">
                  {revealed ?? c.tokenPreview ?? '••••••••'}
                </code>
                {c.method !== 'oauth' ? (
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={revealed ? 'Hide token' : 'Reveal token'}
                    aria-pressed={revealed !== null}
                    title={revealed ? 'Hide token' : 'Reveal token'}
                    onClick={() => (revealed ? setRevealed(null) : reveal.mutate())}
                    disabled={reveal.isPending}
                  >
                    <EyeIcon open={revealed === null} />
                  </button>
                ) : null}
              </dd>
            </div>
          </dl>
        ) : (
          <p className="muted">HubSpot is not connected. Paste an access token below, or connect with HubSpot.</p>
        )}
        <ErrorMessage error={reveal.error} />
        {c.lastError && c.status !== 'connected' ? (
          <div className="alert alert-error" role="alert">
            <strong>HubSpot says: </strong>
            {c.lastError}
          </div>
        ) : null}
        {c.status === 'connected' && c.missingOptionalScopes.length > 0 ? (
          <p className="alert alert-info">
            Optional scope not granted: {c.missingOptionalScopes.map((s) => <code key={s}>{s}</code>)}. hubsync works without it, but cannot create HubSpot properties for you.
          </p>
        ) : null}
        <Usage usage={c.usage} />
        {isConnected ? <Health health={c.health} /> : null}
        {isConnected ? (
          <div className="form-actions">
            <button type="button" className="btn btn-danger-outline" onClick={() => setConfirming(true)}>
              Disconnect
            </button>
          </div>
        ) : null}
      </section>

      <section className="card" aria-labelledby="conn-token-title">
        <h2 id="conn-token-title">{isConnected ? 'Replace the access token' : 'Connect HubSpot'}</h2>
        <p>
          In your HubSpot account, create a Service Key under <em>Development → Keys → Service keys → Create</em> and give it these scopes:
        </p>
        <ul className="scope-list">
          {scopeList(settings.data).map(({ scope, note }) => (
            <li key={scope}>
              <code>{scope}</code>
              {note ? <span className="muted"> ({note})</span> : null}
            </li>
          ))}
        </ul>
        <form onSubmit={submit} className="token-form" noValidate>
          <div className="form-field">
            <label htmlFor="access-token">Access token</label>
            <input
              id="access-token"
              type="password"
              autoComplete="off"
              spellCheck={false}
              placeholder="pat-…"
              value={token}
              onChange={(e) => setToken(e.target.value)}
              aria-describedby={saveError ? 'token-outcome' : undefined}
              aria-invalid={saveError ? true : undefined}
            />
          </div>
          <div className="form-field">
            <label htmlFor="portal-id">Portal ID</label>
            <input id="portal-id" inputMode="numeric" autoComplete="off" placeholder={c.portalId ? String(c.portalId) : 'e.g. 12345678'} value={portalId} onChange={(e) => setPortalId(e.target.value)} aria-describedby="portal-id-hint" />
            <p className="hint" id="portal-id-hint">
              Your HubSpot account ID (HubSpot → account menu). When given, a token from another portal is refused.
            </p>
          </div>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={save.isPending || !token.trim()}>
              {save.isPending ? 'Checking with HubSpot…' : 'Save'}
            </button>
            {c.oauthAvailable ? (
              <button type="button" className="btn btn-hubspot" onClick={() => oauth.mutate()} disabled={oauth.isPending}>
                Connect with HubSpot
              </button>
            ) : null}
          </div>
        </form>
        <div id="token-outcome" aria-live="polite">
          {save.isSuccess ? (
            <p className="alert alert-success" role="status">
              Connected to HubSpot portal {save.data.portalId}. The token is stored encrypted.
            </p>
          ) : null}
          {saveError ? <SaveFailure error={saveError} /> : null}
        </div>
        <ErrorMessage error={oauth.error} />
      </section>

      {isAdmin && c.oauthAvailable ? <AuthorizationLinks workspace={workspace} /> : null}

      <section className="card" aria-labelledby="conn-sync-title">
        <h2 id="conn-sync-title">What syncs</h2>
        <ErrorMessage error={toggle.error} />
        {settings.data ? (
          <div className="stack">
            <label className="inline-field">
              <input type="checkbox" checked={settings.data.pushContactsOnChange} disabled={!isAdmin || toggle.isPending} onChange={(e) => toggle.mutate({ pushContactsOnChange: e.target.checked })} />
              <span>
                <strong>Sync Contacts</strong> — push customers to HubSpot contacts as they change (off: only Sync now and the schedule)
              </span>
            </label>
            <label className="inline-field">
              <input type="checkbox" checked={settings.data.syncCompanies} disabled={!isAdmin || toggle.isPending} onChange={(e) => toggle.mutate({ syncCompanies: e.target.checked })} />
              <span>
                <strong>Sync Companies</strong> — sync organizations as HubSpot companies
              </span>
            </label>
          </div>
        ) : (
          <Loading />
        )}
      </section>

      {confirming ? (
        <ConfirmDialog title="Disconnect HubSpot?" confirmLabel="Disconnect" danger busy={disconnect.isPending} onConfirm={() => disconnect.mutate()} onCancel={() => setConfirming(false)}>
          <p>hubsync forgets the stored credentials and stops syncing. Your customers and the contacts already in HubSpot stay as they are.</p>
          <ErrorMessage error={disconnect.error} />
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function SaveFailure({ error }: { error: ApiError }) {
  const missing = error.details.missingScopes;
  if (error.code === 'HUBSPOT_MISSING_SCOPES' && missing?.length) {
    return (
      <div className="alert alert-error" role="alert">
        <p>{error.message}</p>
        <p>
          Add {missing.length === 1 ? 'this scope' : 'these scopes'} to the key in HubSpot:{' '}
          {missing.map((s) => (
            <code key={s} className="scope">
              {s}
            </code>
          ))}
        </p>
      </div>
    );
  }
  return (
    <div className="alert alert-error" role="alert">
      {error.code === 'HUBSPOT_REJECTED' ? <strong>HubSpot says: </strong> : null}
      {error.message}
    </div>
  );
}

const HEALTH_TEXT: Record<HealthState, { label: string; tone: 'ok' | 'warn' | 'error' | 'off' }> = {
  connected: { label: 'Healthy', tone: 'ok' },
  not_connected: { label: 'Not connected', tone: 'off' },
  token_invalid: { label: 'Token invalid', tone: 'error' },
  rate_limited: { label: 'Rate limited', tone: 'warn' },
  failing: { label: 'Failing', tone: 'error' },
};

const RUN_STATUS_TEXT: Record<string, string> = { running: 'running', succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled', interrupted: 'interrupted' };

function pendingText(count: number): string {
  if (count === 0) return 'None';
  return `${formatNumber(count)} changed ${count === 1 ? 'record' : 'records'} waiting to be pushed`;
}

/** F16: the sync's health, its last run, when the next scheduled reconcile starts, and what waits to be pushed. */
function Health({ health }: { health: Connection['health'] }) {
  const state = HEALTH_TEXT[health.state];
  const last = health.lastRun;
  return (
    <div className="health" aria-label="Sync health">
      <dl className="facts">
        <div>
          <dt>Sync health</dt>
          <dd>
            <span className={`status-dot-label tone-${state.tone}`} data-testid="sync-health">
              <span className="status-dot" aria-hidden="true" />
              {state.label}
            </span>
          </dd>
        </div>
        <div>
          <dt>Last run</dt>
          <dd data-testid="last-run">
            {last ? (
              <>
                {RUN_STATUS_TEXT[last.status]} {last.finishedAt ? formatDate(last.finishedAt) : formatDate(last.startedAt)} <span className="muted">({TRIGGER_LABELS[last.trigger]})</span>
              </>
            ) : (
              'None yet'
            )}
          </dd>
        </div>
        <div>
          <dt>Next scheduled run</dt>
          <dd data-testid="next-run">{health.nextReconcileAt ? formatDate(health.nextReconcileAt) : 'None (schedule off)'}</dd>
        </div>
        <div>
          <dt>Pending changes</dt>
          <dd data-testid="pending-changes">{pendingText(health.pendingChanges)}</dd>
        </div>
      </dl>
      {(health.state === 'failing' || health.state === 'rate_limited') && health.lastError ? (
        <div className={health.state === 'failing' ? 'alert alert-error' : 'alert alert-info'} role="alert">
          <strong>{health.state === 'failing' ? 'The last run failed: ' : 'The last run stopped: '}</strong>
          {health.lastError}
        </div>
      ) : null}
    </div>
  );
}

function Usage({ usage }: { usage: Connection['usage'] }) {
  const limit = usage.dailyLimit;
  const share = limit ? Math.min(1, usage.callsToday / limit) : 0;
  return (
    <div className="usage">
      <div className="usage-row">
        <span>API calls today</span>
        <strong>
          {formatNumber(usage.callsToday)}
          {limit ? ` of ${formatNumber(limit)}` : ''}
        </strong>
      </div>
      {limit ? (
        <div className={`meter ${share > 0.9 ? 'meter-danger' : share > 0.7 ? 'meter-warn' : ''}`} role="meter" aria-label="HubSpot API calls today" aria-valuemin={0} aria-valuemax={limit} aria-valuenow={usage.callsToday}>
          <span style={{ width: `${share * 100}%` }} />
        </div>
      ) : null}
      {usage.errorsToday || usage.rateLimitedToday ? (
        <p className="muted small">
          {formatNumber(usage.errorsToday ?? 0)} failed calls, {formatNumber(usage.rateLimitedToday ?? 0)} rate-limited today.
        </p>
      ) : null}
    </div>
  );
}

function EyeIcon({ open }: { open: boolean }) {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z" />
      <circle cx="12" cy="12" r="3" />
      {open ? null : <line x1="3" y1="3" x2="21" y2="21" />}
    </svg>
  );
}
