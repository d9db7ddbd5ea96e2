// Config → Integrations → HubSpot, organised into the three tabs of seed 000 (Connection,
// Field mapping and Synchronization) plus Settings for automatic sync, Owners (HubSpot's owners
// linked to members) and Deal stages. Connection, Field mapping, Owners and Deal stages are
// admin configuration; members see a clear refusal there, can use Synchronization, and can read
// Settings and reconcile.
import type { KeyboardEvent } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router';
import { NoAccess, PageHeader } from '../../components/ui.js';
import { useIsAdmin, useWorkspace } from '../../layout.js';
import { ConnectionTab } from './connection-tab.js';
import { DealStagesTab } from './deal-stages-tab.js';
import { MappingTab } from './mapping-tab.js';
import { OwnersTab } from './owners-tab.js';
import { SettingsTab } from './settings-tab.js';
import { SyncTab } from './sync-tab.js';

const TABS = [
  { id: 'connection', label: 'Connection', adminOnly: true },
  { id: 'mapping', label: 'Field mapping', adminOnly: true },
  { id: 'sync', label: 'Synchronization', adminOnly: false },
  { id: 'settings', label: 'Settings', adminOnly: false },
  { id: 'owners', label: 'Owners', adminOnly: true },
  { id: 'deal-stages', label: 'Deal stages', adminOnly: true },
] as const;

export function HubSpotPage() {
  const workspace = useWorkspace();
  const isAdmin = useIsAdmin();
  const { tab } = useParams();
  const navigate = useNavigate();
  const current = TABS.find((t) => t.id === tab);
  if (!current) return <Navigate to={`/w/${workspace}/integrations/hubspot/${isAdmin ? 'connection' : 'sync'}`} replace />;
  const base = `/w/${workspace}/integrations/hubspot`;
  // Arrow keys move between tabs, as the ARIA tabs pattern expects.
  const onKeyDown = (event: KeyboardEvent) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = TABS[(TABS.findIndex((t) => t.id === current.id) + step + TABS.length) % TABS.length]!;
    navigate(`${base}/${next.id}`);
    requestAnimationFrame(() => document.getElementById(`tab-${next.id}`)?.focus());
  };
  return (
    <>
      <PageHeader
        title="HubSpot"
        breadcrumb={
          <>
            <span>Config</span> <span aria-hidden="true">›</span> <span>Integrations</span> <span aria-hidden="true">›</span> <span>HubSpot</span>
          </>
        }
      />
      <nav className="tabs" aria-label="HubSpot settings">
        <ul role="tablist" onKeyDown={onKeyDown}>
          {TABS.map((t) => (
            <li key={t.id} role="presentation">
              <Link role="tab" id={`tab-${t.id}`} aria-selected={t.id === current.id} aria-controls="tab-panel" tabIndex={t.id === current.id ? 0 : -1} className={t.id === current.id ? 'tab active' : 'tab'} to={`${base}/${t.id}`}>
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div id="tab-panel" role="tabpanel" aria-labelledby={`tab-${current.id}`} className="tab-panel">
        {current.adminOnly && !isAdmin ? (
          <NoAccess what={`The ${current.label} tab`} />
        ) : current.id === 'connection' ? (
          <ConnectionTab />
        ) : current.id === 'mapping' ? (
          <MappingTab />
        ) : current.id === 'settings' ? (
          <SettingsTab />
        ) : current.id === 'owners' ? (
          <OwnersTab />
        ) : current.id === 'deal-stages' ? (
          <DealStagesTab />
        ) : (
          <SyncTab />
        )}
      </div>
    </>
  );
}
