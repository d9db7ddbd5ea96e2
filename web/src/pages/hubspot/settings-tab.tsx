// Settings tab: what is synced and when. The object types beyond contacts (with the scopes a
// connection lacks for each), the two on-change toggles, the reconcile schedule (off, hourly,
// nightly at 03:00 or a custom cron) with its reading in words, the time zone, when the next
// run starts and this workspace's jitter; what comes back from HubSpot (inbound-settings.tsx);
// and Reconcile now. Members see the settings and may reconcile; only admins change them.
import { useMutation, useQuery, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, get, ws } from '../../api/client.js';
import type { ObjectTypeState, SyncRun, SyncSettings, SyncSettingsPatch } from '../../api/types.js';
import { ErrorMessage, FieldError, Loading } from '../../components/ui.js';
import { useIsAdmin, useWorkspace } from '../../layout.js';
import { InboundSection, inboundDraftOf, inboundPatchOf, isInboundField, type InboundDraft } from './inbound-settings.js';
import { useRunProgress } from './run-progress.js';
import { RunProgress } from './sync-tab.js';

type Preset = 'off' | 'hourly' | 'nightly' | 'custom';
const PRESET_CRON: Record<Exclude<Preset, 'custom'>, string | null> = { off: null, hourly: '0 * * * *', nightly: '0 3 * * *' };

function presetOf(schedule: string | null): Preset {
  if (schedule === null) return 'off';
  if (schedule === PRESET_CRON.hourly) return 'hourly';
  if (schedule === PRESET_CRON.nightly) return 'nightly';
  return 'custom';
}

interface Draft extends InboundDraft {
  syncCompanies: boolean;
  syncDeals: boolean;
  syncActivities: boolean;
  pushContactsOnChange: boolean;
  pushCompaniesOnChange: boolean;
  preset: Preset;
  cron: string;
  timezone: string;
}

const draftOf = (s: SyncSettings): Draft => ({
  syncCompanies: s.syncCompanies,
  syncDeals: s.syncDeals,
  syncActivities: s.syncActivities,
  pushContactsOnChange: s.pushContactsOnChange,
  pushCompaniesOnChange: s.pushCompaniesOnChange,
  preset: presetOf(s.reconcileSchedule),
  cron: s.reconcileSchedule ?? '',
  timezone: s.timezone,
  ...inboundDraftOf(s),
});

function scheduleOf(draft: Draft): string | null {
  return draft.preset === 'custom' ? draft.cron.trim() : PRESET_CRON[draft.preset];
}

/** Only what changed, so the audit log shows only real changes. */
function patchOf(saved: SyncSettings, draft: Draft): SyncSettingsPatch {
  const patch: SyncSettingsPatch = inboundPatchOf(saved, draft);
  for (const key of ['syncCompanies', 'syncDeals', 'syncActivities'] as const) if (draft[key] !== saved[key]) patch[key] = draft[key];
  if (draft.pushContactsOnChange !== saved.pushContactsOnChange) patch.pushContactsOnChange = draft.pushContactsOnChange;
  if (draft.pushCompaniesOnChange !== saved.pushCompaniesOnChange) patch.pushCompaniesOnChange = draft.pushCompaniesOnChange;
  const schedule = scheduleOf(draft);
  if (schedule !== saved.reconcileSchedule) patch.reconcileSchedule = schedule;
  if (draft.timezone.trim() !== saved.timezone) patch.timezone = draft.timezone.trim();
  return patch;
}

const OBJECT_TYPE_TOGGLES = [
  { setting: 'syncCompanies', objectType: 'companies', label: 'Sync organizations as HubSpot companies' },
  { setting: 'syncDeals', objectType: 'deals', label: 'Sync deals' },
  { setting: 'syncActivities', objectType: 'notes', label: 'Log activities as notes on the contact' },
] as const;

/** Under a turned-on type whose scopes the connection lacks: which, and what to do. */
function MissingScopes({ state }: { state: ObjectTypeState | undefined }) {
  if (!state?.enabled || state.missingScopes.length === 0) return null;
  return (
    <p className="field-error" role="alert">
      Not synced: the HubSpot connection lacks {state.missingScopes.map((s) => <code key={s}>{s}</code>)}. Add{' '}
      {state.missingScopes.length > 1 ? 'them' : 'it'} to the private app and paste the token again, or reconnect with HubSpot to grant{' '}
      {state.missingScopes.length > 1 ? 'them' : 'it'}.
    </p>
  );
}

function jitterText(seconds: number): string {
  if (seconds === 0) return 'right on';
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return [m ? `${m} min` : '', s ? `${s} s` : ''].filter(Boolean).join(' ') + ' after';
}

const ZONES: readonly string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function settingsKey(workspace: string) {
  return ['hubspot-settings', workspace];
}

export function SettingsTab() {
  const workspace = useWorkspace();
  const client = useQueryClient();
  const settings = useQuery({ queryKey: settingsKey(workspace), queryFn: () => get<SyncSettings>(`${ws(workspace)}/hubspot/settings`), staleTime: 0 });
  // Outside the keyed form, so its "Saved." outlives the fresh draft a save starts.
  const save = useMutation({
    mutationFn: (patch: SyncSettingsPatch) => api<SyncSettings>('PATCH', `${ws(workspace)}/hubspot/settings`, patch),
    onSuccess: (next) => {
      client.setQueryData(settingsKey(workspace), next);
      void client.invalidateQueries({ queryKey: ['hubspot-connection', workspace] });
    },
  });
  if (settings.isPending) return <Loading />;
  if (settings.isError) return <ErrorMessage error={settings.error} />;
  // Keyed by the saved values: a save (or another admin's change) starts a fresh draft.
  return (
    <div className="stack">
      <SettingsForm key={JSON.stringify(settings.data)} saved={settings.data} save={save} />
      <ReconcileNow />
    </div>
  );
}

function SettingsForm({ saved, save }: { saved: SyncSettings; save: UseMutationResult<SyncSettings, Error, SyncSettingsPatch> }) {
  const isAdmin = useIsAdmin();
  const [draft, setDraft] = useState<Draft>(() => draftOf(saved));
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const patch = patchOf(saved, draft);
  const dirty = Object.keys(patch).length > 0;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (dirty) save.mutate(patch);
  };
  const error = save.error;
  const otherError = error instanceof ApiError && (error.details.field === 'reconcileSchedule' || error.details.field === 'timezone' || isInboundField(error.details.field)) ? null : error;

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="Automatic sync settings">
      <section className="card" aria-labelledby="object-types-title">
        <h2 id="object-types-title">What is synced</h2>
        <p className="hint">Customers are always pushed as contacts. HubSpot is asked for the access each other type needs only once it is turned on.</p>
        <div className="toggle-list">
          {OBJECT_TYPE_TOGGLES.map(({ setting, objectType, label }) => (
            <div key={setting}>
              <label className="checkbox">
                <input type="checkbox" checked={draft[setting]} disabled={!isAdmin} onChange={(e) => set({ [setting]: e.target.checked })} />
                {label}
              </label>
              <MissingScopes state={saved.objectTypes.find((t) => t.objectType === objectType)} />
            </div>
          ))}
        </div>
      </section>

      <section className="card" aria-labelledby="on-change-title">
        <h2 id="on-change-title">Push changes automatically</h2>
        <p className="hint">When on, a customer created, edited, restored or imported is pushed to HubSpot within seconds, without anyone clicking Sync now.</p>
        <div className="toggle-list">
          <label className="checkbox">
            <input type="checkbox" checked={draft.pushContactsOnChange} disabled={!isAdmin} onChange={(e) => set({ pushContactsOnChange: e.target.checked })} />
            Sync contacts when a customer changes
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={draft.pushCompaniesOnChange} disabled={!isAdmin} onChange={(e) => set({ pushCompaniesOnChange: e.target.checked })} />
            Sync companies when an organization changes
          </label>
        </div>
      </section>

      <section className="card" aria-labelledby="schedule-title">
        <h2 id="schedule-title">Scheduled reconcile</h2>
        <p className="hint">A reconcile pushes everything that is not in step with HubSpot. Run it less often to spend fewer API calls.</p>
        <div className="form-grid">
          <div className="form-field">
            <label htmlFor="schedule-preset">Schedule</label>
            <select id="schedule-preset" value={draft.preset} disabled={!isAdmin} onChange={(e) => set({ preset: e.target.value as Preset, ...(e.target.value === 'custom' && !draft.cron ? { cron: '0 3 * * *' } : {}) })}>
              <option value="off">Off</option>
              <option value="hourly">Every hour</option>
              <option value="nightly">Every night at 03:00</option>
              <option value="custom">Custom (cron)</option>
            </select>
          </div>
          {draft.preset === 'custom' ? (
            <div className="form-field">
              <label htmlFor="schedule-cron">Cron expression</label>
              <input
                id="schedule-cron"
                value={draft.cron}
                disabled={!isAdmin}
                spellCheck={false}
                placeholder="30 2 * * 1-5"
                onChange={(e) => set({ cron: e.target.value })}
                aria-invalid={error instanceof ApiError && error.details.field === 'reconcileSchedule' ? true : undefined}
                aria-describedby="schedule-cron-hint schedule-cron-error"
              />
              <p className="hint" id="schedule-cron-hint">
                Five fields: minute hour day-of-month month day-of-week.
              </p>
              <FieldError id="schedule-cron-error" error={error} field="reconcileSchedule" />
            </div>
          ) : null}
          <div className="form-field">
            <label htmlFor="schedule-timezone">Time zone</label>
            <input
              id="schedule-timezone"
              list="timezone-names"
              value={draft.timezone}
              disabled={!isAdmin}
              spellCheck={false}
              onChange={(e) => set({ timezone: e.target.value })}
              aria-invalid={error instanceof ApiError && error.details.field === 'timezone' ? true : undefined}
              aria-describedby="schedule-timezone-error"
            />
            <datalist id="timezone-names">
              {ZONES.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
            {isAdmin && BROWSER_ZONE && BROWSER_ZONE !== draft.timezone ? (
              <button type="button" className="btn btn-link hint" onClick={() => set({ timezone: BROWSER_ZONE })}>
                Use my time zone ({BROWSER_ZONE})
              </button>
            ) : null}
            <FieldError id="schedule-timezone-error" error={error} field="timezone" />
          </div>
        </div>
        <ScheduleFacts saved={saved} />
        {dirty && scheduleOf(draft) !== saved.reconcileSchedule ? <p className="hint">Save to see the new schedule in words and its next run.</p> : null}
      </section>

      <InboundSection draft={draft} set={set} error={error} disabled={!isAdmin} />

      {isAdmin ? (
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!dirty || save.isPending}>
            {save.isPending ? 'Saving…' : 'Save settings'}
          </button>
          {save.isSuccess && !dirty ? (
            <span className="muted" role="status">
              Saved.
            </span>
          ) : null}
        </div>
      ) : (
        <p className="muted">Only workspace admins can change these settings.</p>
      )}
      <ErrorMessage error={otherError} title="The settings were not saved." />
    </form>
  );
}

/** A time on the schedule's own wall clock, with the zone named: "Mon, Dec 7, 2026, 09:39 CET". */
function formatInZone(iso: string, timeZone: string): string {
  return new Date(iso).toLocaleString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' });
}

function ScheduleFacts({ saved }: { saved: SyncSettings }) {
  const off = saved.reconcileSchedule === null;
  return (
    <dl className="facts" aria-label="Saved schedule">
      <div>
        <dt>Runs</dt>
        <dd data-testid="schedule-reading">{off ? 'Off: no scheduled reconcile' : saved.scheduleDescription}</dd>
      </div>
      <div>
        <dt>Next run</dt>
        <dd data-testid="next-reconcile">{saved.nextReconcileAt ? formatInZone(saved.nextReconcileAt, saved.timezone) : off ? '—' : 'Not scheduled while HubSpot is not connected'}</dd>
      </div>
      {saved.jitterSeconds !== null ? (
        <div>
          <dt>Start offset</dt>
          <dd data-testid="schedule-jitter">
            {jitterText(saved.jitterSeconds)} each scheduled time
            <p className="hint">Workspaces sharing a schedule start spread out, at most 10 minutes and at most a tenth of the time between runs after it.</p>
          </dd>
        </div>
      ) : null}
    </dl>
  );
}

function ReconcileNow() {
  const workspace = useWorkspace();
  const client = useQueryClient();
  const [runId, setRunId] = useState<string | null>(null);
  const live = useRunProgress(workspace, runId, () => {
    void client.invalidateQueries({ queryKey: ['sync', workspace] });
    void client.invalidateQueries({ queryKey: ['customers', workspace] });
    void client.invalidateQueries({ queryKey: ['hubspot-connection', workspace] });
  });
  const start = useMutation({
    mutationFn: () => api<SyncRun>('POST', `${ws(workspace)}/sync/reconcile`),
    onSuccess: (run) => setRunId(run.id),
    onError: (error) => {
      // A run is already going (whoever started it): follow that one.
      if (error instanceof ApiError && error.code === 'SYNC_ALREADY_RUNNING' && typeof error.details.runId === 'string') setRunId(error.details.runId);
    },
  });
  const running = start.isPending || (runId !== null && (live === null || live.status === 'running'));
  return (
    <section className="card" aria-labelledby="reconcile-title">
      <div className="card-header">
        <h2 id="reconcile-title">Reconcile now</h2>
        <button type="button" className="btn btn-primary" onClick={() => start.mutate()} disabled={running}>
          {running ? 'Reconciling…' : 'Reconcile now'}
        </button>
      </div>
      <p className="hint">Runs the scheduled reconcile at once. Only one run at a time: if one is already running, this follows it.</p>
      {start.error && !(start.error instanceof ApiError && start.error.code === 'SYNC_ALREADY_RUNNING') ? <ErrorMessage error={start.error} title="The reconcile did not start." /> : null}
      {runId ? <RunProgress run={live} onCancel={undefined} /> : null}
    </section>
  );
}
