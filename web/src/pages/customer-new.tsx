// A new customer: the built-in fields, the owner, tags, the workspace's live custom fields and
// a primary organization, POSTed as one create (only what was filled in; see NewRecordPage).
import { useState } from 'react';
import { BUILT_IN_FIELDS } from '../api/types.js';
import { NewRecordPage, PickOrganization } from '../components/new-record.js';
import { OwnerInput, TextField, useMembers } from '../components/record-fields.js';
import { useWorkspace } from '../layout.js';

export const CUSTOMER_KEYS = [...BUILT_IN_FIELDS.map((f) => f.key), 'ownerUserId'] as const;

export function NewCustomerPage() {
  const workspace = useWorkspace();
  const users = useMembers(workspace);
  const [organizationId, setOrganizationId] = useState<string | null>(null);
  return (
    <NewRecordPage
      workspace={workspace}
      resource="customers"
      keys={CUSTOMER_KEYS}
      inputs={({ draft, set, error }) => (
        <>
          {BUILT_IN_FIELDS.map((f) => (
            <TextField key={f.key} id={`f-${f.key}`} label={f.label} field={f.key} type={f.key === 'email' ? 'email' : 'text'} value={String(draft[f.key] ?? '')} onChange={(v) => set(f.key, v)} error={error} />
          ))}
          <OwnerInput users={users.data?.users} value={String(draft['ownerUserId'] ?? '')} onChange={(v) => set('ownerUserId', v)} error={error} />
          <TextField id="f-tags" label="Tags" hint="Tag keys, separated with commas" field="tags" value={String(draft['tags'] ?? '')} onChange={(v) => set('tags', v)} error={error} />
        </>
      )}
      links={(form) => <PickOrganization workspace={workspace} id="new-organization" heading="Primary organization" value={organizationId} onChange={setOrganizationId} form={form} errorField="organizationIds" />}
      withLinks={(body) => {
        if (organizationId) body['organizationIds'] = [organizationId];
      }}
    />
  );
}
