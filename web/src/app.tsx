// The page map. Everything a workspace owns lives under /w/:workspace/…, the same paths the
// API's OAuth callback redirects to (/w/<slug>/integrations/hubspot/connection).
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { Loading, ErrorMessage } from './components/ui.js';
import { AdminOnly, Shell, WorkspaceGate } from './layout.js';
import { AcceptInvitationPage } from './pages/accept-invitation.js';
import { AccountPage } from './pages/account.js';
import { AuthorizeDonePage, AuthorizePage } from './pages/authorize.js';
import { ApiKeysPage } from './pages/api-keys.js';
import { AuditLogPage } from './pages/audit-log.js';
import { WebhooksPage } from './pages/webhooks.js';
import { CustomFieldsPage } from './pages/custom-fields.js';
import { CustomerPage } from './pages/customer.js';
import { CustomerMergePage, OrganizationMergePage } from './pages/record-merge.js';
import { NewCustomerPage } from './pages/customer-new.js';
import { RecordImportPage } from './pages/record-import.js';
import { DuplicatesPage } from './pages/duplicates.js';
import { CustomersPage } from './pages/customers.js';
import { DealPage } from './pages/deal.js';
import { NewDealPage } from './pages/deal-new.js';
import { DealsPage } from './pages/deals.js';
import { OrganizationPage } from './pages/organization.js';
import { NewOrganizationPage } from './pages/organization-new.js';
import { OrganizationsPage } from './pages/organizations.js';
import { HubSpotPage } from './pages/hubspot/hubspot-page.js';
import { ResetPasswordPage } from './pages/reset-password.js';
import { SignInPage } from './pages/sign-in.js';
import { SyncLogPage, SyncRunPage } from './pages/sync-log.js';
import { TagsPage } from './pages/tags.js';
import { UsersPage } from './pages/users.js';
import { SessionProvider, useMeQuery } from './session.js';

export function App() {
  const me = useMeQuery();
  const location = useLocation();
  if (me.isPending) return <Loading label="Loading hubsync…" />;
  if (me.isError) return <div className="centered"><ErrorMessage error={me.error} title="hubsync could not load." /></div>;
  // Authorization links (issue 17) are opened by people without a hubsync account: public, signed in or not.
  if (location.pathname === '/authorize') return <AuthorizePage />;
  if (location.pathname === '/authorize/done') return <AuthorizeDonePage />;
  if (!me.data) {
    if (location.pathname === '/sign-in') return <SignInPage />;
    if (location.pathname === '/invitations/accept') return <AcceptInvitationPage me={null} />;
    if (location.pathname === '/password-reset') return <ResetPasswordPage />;
    const next = location.pathname + location.search;
    return <Navigate to={`/sign-in${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`} replace />;
  }
  const first = me.data.workspaces[0];
  return (
    <SessionProvider me={me.data}>
      <Routes>
        <Route path="/sign-in" element={<Navigate to="/" replace />} />
        <Route path="/invitations/accept" element={<AcceptInvitationPage me={me.data} />} />
        <Route path="/password-reset" element={<ResetPasswordPage />} />
        <Route path="/account" element={<Shell><AccountPage /></Shell>} />
        <Route path="/" element={first ? <Navigate to={`/w/${first.slug}/customers`} replace /> : <Shell><NoWorkspace /></Shell>} />
        <Route path="/w/:workspace" element={<Shell><WorkspaceGate /></Shell>}>
          <Route index element={<Navigate to="customers" replace />} />
          <Route path="customers" element={<CustomersPage />} />
          <Route path="customers/duplicates" element={<DuplicatesPage type="customers" />} />
          <Route path="customers/new" element={<NewCustomerPage />} />
          <Route path="customers/import" element={<RecordImportPage resource="customers" />} />
          <Route path="organizations/import" element={<RecordImportPage resource="organizations" />} />
          <Route path="deals/import" element={<RecordImportPage resource="deals" />} />
          <Route path="customers/:customerId" element={<CustomerPage />} />
          <Route path="customers/:customerId/merge" element={<CustomerMergePage />} />
          <Route path="organizations" element={<OrganizationsPage />} />
          <Route path="organizations/duplicates" element={<DuplicatesPage type="organizations" />} />
          <Route path="organizations/new" element={<NewOrganizationPage />} />
          <Route path="organizations/:organizationId" element={<OrganizationPage />} />
          <Route path="organizations/:organizationId/merge" element={<OrganizationMergePage />} />
          <Route path="deals" element={<DealsPage />} />
          <Route path="deals/new" element={<NewDealPage />} />
          <Route path="deals/:dealId" element={<DealPage />} />
          <Route path="tags" element={<TagsPage />} />
          <Route path="custom-fields" element={<AdminOnly what="Custom fields"><CustomFieldsPage /></AdminOnly>} />
          <Route path="integrations/hubspot" element={<HubSpotPage />} />
          <Route path="integrations/hubspot/:tab" element={<HubSpotPage />} />
          <Route path="sync-log" element={<SyncLogPage />} />
          <Route path="sync-log/:runId" element={<SyncRunPage />} />
          <Route path="audit-log" element={<AdminOnly what="The audit log"><AuditLogPage /></AdminOnly>} />
          <Route path="webhooks" element={<AdminOnly what="Webhooks"><WebhooksPage /></AdminOnly>} />
          <Route path="users" element={<AdminOnly what="Users and roles"><UsersPage /></AdminOnly>} />
          <Route path="api-keys" element={<AdminOnly what="API keys"><ApiKeysPage /></AdminOnly>} />
          <Route path="*" element={<NotFound />} />
        </Route>
        <Route path="*" element={<Shell><NotFound /></Shell>} />
      </Routes>
    </SessionProvider>
  );
}

function NoWorkspace() {
  return (
    <section className="no-access">
      <h1>No workspace yet</h1>
      <p>Your account is not a member of any workspace. Ask an admin for an invitation link.</p>
    </section>
  );
}

function NotFound() {
  return (
    <section className="no-access">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
    </section>
  );
}
