// A new deal: name, amount, currency, close date, pipeline and stage, owner, the workspace's live
// custom fields of object type deals, its organization and its customers, POSTed as one create
// (only what was filled in; see NewRecordPage). The API takes any stage key; admins are offered
// the workspace's local stages (those of HubSpot → Deal stages) as suggestions.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { get, ws } from '../api/client.js';
import type { DealStagesView } from '../api/types.js';
import { NewRecordPage, PickCustomers, PickOrganization } from '../components/new-record.js';
import { useMembers } from '../components/record-fields.js';
import { useIsAdmin, useWorkspace } from '../layout.js';
import { DEAL_KEYS, DealInputs } from './deal.js';

export function NewDealPage() {
  const workspace = useWorkspace();
  const users = useMembers(workspace);
  const isAdmin = useIsAdmin();
  // Suggestions only: without a HubSpot connection (or for members) the stage is typed.
  const stages = useQuery({ queryKey: ['hubspot-deal-stages', workspace], queryFn: () => get<DealStagesView>(`${ws(workspace)}/hubspot/deal-stages`), enabled: isAdmin, retry: false });
  const [organizationId, setOrganizationId] = useState<string | null>(null);
  const [customerIds, setCustomerIds] = useState<string[]>([]);
  const pipeline = (draft: Record<string, unknown>) => String(draft['pipeline'] ?? '').trim() || 'default';
  return (
    <NewRecordPage
      workspace={workspace}
      resource="deals"
      keys={DEAL_KEYS}
      inputs={({ draft, set, error }) => (
        <DealInputs
          draft={draft}
          set={set}
          error={error}
          users={users.data?.users}
          stages={[...new Set((stages.data?.stages ?? []).filter((s) => s.pipeline === pipeline(draft)).map((s) => s.stage))]}
        />
      )}
      links={(form) => (
        <>
          <PickOrganization workspace={workspace} id="new-deal-organization" heading="Organization" value={organizationId} onChange={setOrganizationId} form={form} errorField="organizationId" />
          <PickCustomers workspace={workspace} id="new-deal-customers" value={customerIds} onChange={setCustomerIds} form={form} />
        </>
      )}
      withLinks={(body) => {
        if (organizationId) body['organizationId'] = organizationId;
        if (customerIds.length > 0) body['customerIds'] = customerIds;
      }}
    />
  );
}
