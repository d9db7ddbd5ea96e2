// Which HubSpot deal stages are won (pure): closed with probability 1, in any pipeline.
import { describe, expect, it } from 'vitest';
import type { CrmObject, Pipeline } from '../../hubspot/index.js';
import { importReason, wonStageOf, wonStages } from './closed-won.js';

const stage = (id: string, label: string, isClosed: string, probability: string) => ({ id, label, displayOrder: 0, metadata: { isClosed, probability }, archived: false });
const pipelines: Pipeline[] = [
  { id: 'default', label: 'Sales Pipeline', displayOrder: 0, archived: false, stages: [stage('closedwon', 'Closed won', 'true', '1.0'), stage('closedlost', 'Closed lost', 'true', '0.0'), stage('contractsent', 'Contract sent', 'false', '0.9')] },
  { id: '777', label: 'Enterprise', displayOrder: 1, archived: false, stages: [stage('signed', 'Signed', 'true', '1'), stage('likely', 'Likely', 'false', '1')] },
];
const deal = (pipeline: string, dealstage: string): CrmObject => ({ id: '9', properties: { pipeline, dealstage, dealname: 'Big' }, createdAt: '', updatedAt: '', archived: false });

describe('won stages', () => {
  it('are the closed stages with probability 1, in every pipeline, whatever their id', () => {
    const won = wonStages(pipelines);
    expect([...won.keys()].map((k) => k.replace('\u0000', '/'))).toEqual(['default/closedwon', '777/signed']);
    expect(wonStageOf(deal('777', 'signed'), won)).toEqual({ pipelineLabel: 'Enterprise', stageLabel: 'Signed' });
    // Open with probability 1, closed lost, or a stage id of another pipeline: not won.
    expect(wonStageOf(deal('777', 'likely'), won)).toBeUndefined();
    expect(wonStageOf(deal('default', 'closedlost'), won)).toBeUndefined();
    expect(wonStageOf(deal('777', 'closedwon'), won)).toBeUndefined();
  });

  it('name the deal and the stage in the reason a contact came in', () => {
    expect(importReason('contact', deal('777', 'signed'), { pipelineLabel: 'Enterprise', stageLabel: 'Signed' })).toBe(
      'Imported because HubSpot deal 9 "Big" reached Closed Won (stage "Signed" of pipeline "Enterprise"); a Closed Won deal brings its contacts in whatever their lifecycle stage.',
    );
  });
});
