// Deal stages tab (admins): every stage the workspace's deals use, each mapped to a stage of one
// of the portal's deal pipelines (read live). Unsaved rows start on the suggestion (same key or
// label; "won"/"lost" as closed won/lost), but only a saved mapping is pushed: a stage not saved
// here fails its deals' push with a message pointing here.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, get, ws } from '../../api/client.js';
import type { DealStagesView } from '../../api/types.js';
import { Empty, ErrorMessage, Loading } from '../../components/ui.js';
import { useWorkspace } from '../../layout.js';

const refKey = (pipelineId: string, stageId: string) => `${pipelineId}/${stageId}`;
const rowKey = (pipeline: string, stage: string) => `${pipeline}\u0000${stage}`;

export function DealStagesTab() {
  const workspace = useWorkspace();
  const key = ['hubspot-deal-stages', workspace];
  const view = useQuery({ queryKey: key, queryFn: () => get<DealStagesView>(`${ws(workspace)}/hubspot/deal-stages`) });
  if (view.isPending) return <Loading label="Loading HubSpot pipelines…" />;
  if (view.isError) return <ErrorMessage error={view.error} />;
  return <DealStagesForm key={JSON.stringify(view.data)} view={view.data} />;
}

function DealStagesForm({ view }: { view: DealStagesView }) {
  const workspace = useWorkspace();
  const client = useQueryClient();
  const initial = Object.fromEntries(
    view.stages.map((s) => {
      const ref = s.mapping ?? s.suggested;
      return [rowKey(s.pipeline, s.stage), ref ? refKey(ref.hubspotPipelineId, ref.hubspotStageId) : ''];
    }),
  );
  const [draft, setDraft] = useState<Record<string, string>>(initial);
  const save = useMutation({
    mutationFn: () =>
      api<DealStagesView>('PUT', `${ws(workspace)}/hubspot/deal-stages`, {
        mappings: view.stages.flatMap((s) => {
          const chosen = draft[rowKey(s.pipeline, s.stage)];
          if (!chosen) return [];
          const [hubspotPipelineId, hubspotStageId] = chosen.split('/') as [string, string];
          return [{ pipeline: s.pipeline, stage: s.stage, hubspotPipelineId, hubspotStageId }];
        }),
      }),
    onSuccess: (next) => client.setQueryData(['hubspot-deal-stages', workspace], next),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const unsaved = !view.saved || view.stages.some((s) => draft[rowKey(s.pipeline, s.stage)] !== (s.mapping ? refKey(s.mapping.hubspotPipelineId, s.mapping.hubspotStageId) : ''));

  return (
    <form className="card" onSubmit={submit} aria-labelledby="deal-stages-title">
      <h2 id="deal-stages-title">Deal stages</h2>
      <p className="hint">Each stage your deals use is sent to HubSpot as the pipeline and stage chosen here. Suggestions are filled in; deals are sent only once their stage’s mapping is saved.</p>
      {view.stages.length === 0 ? (
        <Empty>No deal uses a stage yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Deal stages">
            <thead>
              <tr>
                <th scope="col">Pipeline</th>
                <th scope="col">Stage</th>
                <th scope="col">Deals</th>
                <th scope="col">HubSpot stage</th>
              </tr>
            </thead>
            <tbody>
              {view.stages.map((s) => {
                const k = rowKey(s.pipeline, s.stage);
                return (
                  <tr key={k}>
                    <td>{s.pipeline}</td>
                    <td>{s.stage}</td>
                    <td>{s.deals}</td>
                    <td>
                      <select aria-label={`HubSpot stage for ${s.stage} (${s.pipeline})`} value={draft[k] ?? ''} onChange={(e) => setDraft((d) => ({ ...d, [k]: e.target.value }))}>
                        <option value="">— Not mapped —</option>
                        {view.pipelines.map((p) => (
                          <optgroup key={p.id} label={p.label}>
                            {p.stages.map((stage) => (
                              <option key={stage.id} value={refKey(p.id, stage.id)}>
                                {stage.label}
                                {stage.closed ? ' (closed)' : ''}
                              </option>
                            ))}
                          </optgroup>
                        ))}
                      </select>
                      {!s.mapping && s.suggested && draft[k] === refKey(s.suggested.hubspotPipelineId, s.suggested.hubspotStageId) ? <div className="hint">Suggested</div> : null}
                      {s.problem ? (
                        <p className="field-error" role="alert">
                          {s.problem}
                        </p>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending || view.stages.length === 0 || !unsaved}>
          {save.isPending ? 'Saving…' : 'Save deal stages'}
        </button>
        {view.saved && !unsaved ? <span className="muted">Saved.</span> : null}
      </div>
      <ErrorMessage error={save.error} title="The deal stages were not saved." />
    </form>
  );
}
