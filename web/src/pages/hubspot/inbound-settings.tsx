// The Settings tab's Inbound section: two-way sync on or off, the HubSpot lifecycle stages whose
// unknown contacts a pull imports (HubSpot's eight as checkboxes, a custom stage's id typed in),
// how often HubSpot is polled, and write-through, propagate deletes and archive on HubSpot
// delete, each with what it does, and the de-duplication window. Its draft is part of the settings form's and saved with it
// (PATCH …/hubspot/settings); the API's errors are shown beside the field they name.
import { useState } from 'react';
import { ApiError } from '../../api/client.js';
import type { SyncSettings, SyncSettingsPatch } from '../../api/types.js';

/** HubSpot's built-in lifecycle stages: internal value and HubSpot's label, in HubSpot's order. */
export const LIFECYCLE_STAGES = [
  { value: 'subscriber', label: 'Subscriber' },
  { value: 'lead', label: 'Lead' },
  { value: 'marketingqualifiedlead', label: 'Marketing qualified lead' },
  { value: 'salesqualifiedlead', label: 'Sales qualified lead' },
  { value: 'opportunity', label: 'Opportunity' },
  { value: 'customer', label: 'Customer' },
  { value: 'evangelist', label: 'Evangelist' },
  { value: 'other', label: 'Other' },
] as const;
const BUILT_IN: ReadonlySet<string> = new Set(LIFECYCLE_STAGES.map((s) => s.value));

export interface InboundDraft {
  twoWay: boolean;
  inboundLifecycleStages: string[];
  /** As typed; sent as a number. */
  pollInterval: string;
  writeThrough: boolean;
  propagateDeletes: boolean;
  archiveOnHubSpotDelete: boolean;
  /** As typed; sent as a number. */
  dedupWindow: string;
}

const TOGGLES = ['twoWay', 'writeThrough', 'propagateDeletes', 'archiveOnHubSpotDelete'] as const;

export const inboundDraftOf = (s: SyncSettings): InboundDraft => ({
  twoWay: s.twoWay,
  inboundLifecycleStages: s.inboundLifecycleStages,
  pollInterval: String(s.pollIntervalMinutes),
  writeThrough: s.writeThrough,
  propagateDeletes: s.propagateDeletes,
  archiveOnHubSpotDelete: s.archiveOnHubSpotDelete,
  dedupWindow: String(s.dedupWindowSeconds),
});

const sameStages = (a: readonly string[], b: readonly string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

/** The inbound settings that changed. An emptied interval is sent as 0, so the API's range error names the field. */
export function inboundPatchOf(saved: SyncSettings, draft: InboundDraft): SyncSettingsPatch {
  const patch: SyncSettingsPatch = {};
  for (const key of TOGGLES) if (draft[key] !== saved[key]) patch[key] = draft[key];
  if (!sameStages(draft.inboundLifecycleStages, saved.inboundLifecycleStages)) patch.inboundLifecycleStages = draft.inboundLifecycleStages;
  const minutes = Number(draft.pollInterval.trim() || 0);
  if (minutes !== saved.pollIntervalMinutes) patch.pollIntervalMinutes = minutes;
  const seconds = Number(draft.dedupWindow.trim() || 0);
  if (seconds !== saved.dedupWindowSeconds) patch.dedupWindowSeconds = seconds;
  return patch;
}

const FIELDS_WITH_ERRORS = ['inboundLifecycleStages', 'pollIntervalMinutes', 'dedupWindowSeconds'] as const;

/** True when an API error's field is `field` or one of its items (`inboundLifecycleStages.2`). */
const names = (errorField: string | undefined, field: string) => errorField !== undefined && (errorField === field || errorField.startsWith(`${field}.`));

/** True when an API error names a field this section shows the error of. */
export function isInboundField(field: string | undefined): boolean {
  return FIELDS_WITH_ERRORS.some((f) => names(field, f));
}

const invalid = (error: unknown, field: string) => (error instanceof ApiError && names(error.details.field, field) ? true : undefined);

/** The error for a field or any of its items, like FieldError (which matches the field exactly). */
function InboundFieldError({ id, error, field }: { id: string; error: unknown; field: string }) {
  if (!(error instanceof ApiError)) return null;
  const item = error.details.problems?.find((p) => p.field.startsWith(`${field}.`));
  const message = error.fieldError(field) ?? (item ? `${item.field}: ${item.message}` : undefined);
  if (!message) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {message}
    </p>
  );
}

/** One labelled switch with its line of explanation. */
function Toggle({ id, checked, disabled, onChange, label, hint }: { id: string; checked: boolean; disabled: boolean; onChange: (on: boolean) => void; label: string; hint: string }) {
  return (
    <div>
      <label className="checkbox">
        <input type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} aria-describedby={`${id}-hint`} />
        {label}
      </label>
      <p className="hint" id={`${id}-hint`}>
        {hint}
      </p>
    </div>
  );
}

export function InboundSection({ draft, set, error, disabled }: { draft: InboundDraft; set: (change: Partial<InboundDraft>) => void; error: unknown; disabled: boolean }) {
  const [customStage, setCustomStage] = useState('');
  const stages = draft.inboundLifecycleStages;
  const toggleStage = (value: string, on: boolean) => set({ inboundLifecycleStages: on ? [...stages, value] : stages.filter((s) => s !== value) });
  const custom = stages.filter((s) => !BUILT_IN.has(s));
  const addCustom = () => {
    const value = customStage.trim();
    if (value && !stages.includes(value)) set({ inboundLifecycleStages: [...stages, value] });
    setCustomStage('');
  };

  return (
    <section className="card" aria-labelledby="inbound-title">
      <h2 id="inbound-title">Inbound</h2>
      <p className="hint">What comes back from HubSpot. A field changed on both sides keeps the later change; each value it replaces is listed under Conflicts on the record's page.</p>
      <div className="toggle-list">
        <Toggle
          id="two-way"
          label="Two-way sync: bring HubSpot's changes in"
          hint="HubSpot is polled for records created or changed there: they update the records they are linked to here, and new contacts at the stages below come in as customers."
          checked={draft.twoWay}
          disabled={disabled}
          onChange={(twoWay) => set({ twoWay })}
        />
      </div>

      <fieldset className="form-field inbound-field" aria-describedby="inbound-stages-hint inbound-stages-error">
        <legend>Lifecycle stages to import</legend>
        <p className="hint" id="inbound-stages-hint">
          A HubSpot contact hubsync does not know yet comes in only at one of these stages; contacts already linked, or with a customer's email, are updated whatever their stage. The
          filter applies on import only.
        </p>
        <div className="stage-grid">
          {LIFECYCLE_STAGES.map((s) => (
            <label key={s.value} className="checkbox">
              <input type="checkbox" checked={stages.includes(s.value)} disabled={disabled} onChange={(e) => toggleStage(s.value, e.target.checked)} />
              {s.label}
            </label>
          ))}
        </div>
        {custom.length > 0 ? (
          <p aria-label="Custom stages">
            {custom.map((s) => (
              <span key={s} className="tag" data-testid="custom-stage">
                <code>{s}</code>{' '}
                {disabled ? null : (
                  <button type="button" className="btn btn-link" aria-label={`Remove stage ${s}`} onClick={() => toggleStage(s, false)}>
                    ×
                  </button>
                )}
              </span>
            ))}
          </p>
        ) : null}
        {disabled ? null : (
          <div className="inline-form">
            <input
              id="custom-stage"
              aria-label="Custom stage id"
              placeholder="A custom stage's internal id"
              value={customStage}
              spellCheck={false}
              onChange={(e) => setCustomStage(e.target.value)}
              onKeyDown={(e) => {
                if (e.key !== 'Enter') return;
                e.preventDefault();
                addCustom();
              }}
              aria-invalid={invalid(error, 'inboundLifecycleStages')}
            />
            <button type="button" className="btn btn-secondary btn-small" onClick={addCustom} disabled={!customStage.trim()}>
              Add stage
            </button>
          </div>
        )}
        <InboundFieldError id="inbound-stages-error" error={error} field="inboundLifecycleStages" />
      </fieldset>

      <div className="form-field inbound-field">
        <label htmlFor="poll-interval">Poll interval (minutes)</label>
        <input
          id="poll-interval"
          type="number"
          min={1}
          max={1440}
          step={1}
          inputMode="numeric"
          value={draft.pollInterval}
          disabled={disabled}
          onChange={(e) => set({ pollInterval: e.target.value })}
          aria-invalid={invalid(error, 'pollIntervalMinutes')}
          aria-describedby="poll-interval-hint poll-interval-error"
        />
        <p className="hint" id="poll-interval-hint">
          How often HubSpot is asked for changes while two-way sync is on, from 1 to 1440 (a day). Shorter brings changes sooner and spends more API calls.
        </p>
        <InboundFieldError id="poll-interval-error" error={error} field="pollIntervalMinutes" />
      </div>

      <div className="toggle-list">
        <Toggle
          id="write-through"
          label="Write-through: save a linked record's edit in HubSpot first"
          hint="An edit of a record already in HubSpot is sent to HubSpot at once and saved here only when HubSpot accepts it; if HubSpot refuses, the edit is refused with HubSpot's reason."
          checked={draft.writeThrough}
          disabled={disabled}
          onChange={(writeThrough) => set({ writeThrough })}
        />
        <Toggle
          id="propagate-deletes"
          label="Archive in HubSpot what is deleted here"
          hint="Deleting a customer, organization or deal in hubsync archives its HubSpot record too. Off: the HubSpot record stays."
          checked={draft.propagateDeletes}
          disabled={disabled}
          onChange={(propagateDeletes) => set({ propagateDeletes })}
        />
        <Toggle
          id="archive-on-hubspot-delete"
          label="Delete here what is archived in HubSpot"
          hint="A linked record archived in HubSpot is deleted in hubsync too. Off: it is only unlinked from HubSpot and stays here."
          checked={draft.archiveOnHubSpotDelete}
          disabled={disabled}
          onChange={(archiveOnHubSpotDelete) => set({ archiveOnHubSpotDelete })}
        />
      </div>

      <div className="form-field inbound-field">
        <label htmlFor="dedup-window">De-duplication window (seconds)</label>
        <input
          id="dedup-window"
          type="number"
          min={0}
          max={86400}
          step={1}
          inputMode="numeric"
          value={draft.dedupWindow}
          disabled={disabled}
          onChange={(e) => set({ dedupWindow: e.target.value })}
          aria-invalid={invalid(error, 'dedupWindowSeconds')}
          aria-describedby="dedup-window-hint dedup-window-error"
        />
        <p className="hint" id="dedup-window-hint">
          The same email created here and in HubSpot at most this many seconds apart becomes one record at the next sync: the older is kept and the other merged into it. 0 turns it off; records further apart are left as duplicates to review.
        </p>
        <InboundFieldError id="dedup-window-error" error={error} field="dedupWindowSeconds" />
      </div>
    </section>
  );
}
