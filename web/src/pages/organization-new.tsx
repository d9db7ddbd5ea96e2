// A new organization: its built-in fields, owner, tags and the workspace's live custom fields of
// object type companies, POSTed as one create (only what was filled in; see NewRecordPage).
import { NewRecordPage } from '../components/new-record.js';
import { useMembers } from '../components/record-fields.js';
import { useWorkspace } from '../layout.js';
import { ORGANIZATION_KEYS, ORGANIZATION_NUMBER_KEYS, OrganizationInputs } from './organization.js';

export function NewOrganizationPage() {
  const workspace = useWorkspace();
  const users = useMembers(workspace);
  return (
    <NewRecordPage
      workspace={workspace}
      resource="organizations"
      keys={ORGANIZATION_KEYS}
      numberKeys={ORGANIZATION_NUMBER_KEYS}
      inputs={({ draft, set, error }) => <OrganizationInputs draft={draft} set={set} error={error} users={users.data?.users} />}
    />
  );
}
