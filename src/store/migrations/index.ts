// The ordered list of migrations. Forward-only: a released migration is never edited; a change
// is a new, higher-numbered file. The same list runs on SQLite and PostgreSQL.
import type { Migration } from 'kysely';
import * as m001 from './001-initial.js';
import * as m002 from './002-hubspot-sync.js';
import * as m003 from './003-status-count-index.js';
import * as m004 from './004-partial-status-index.js';
import * as m005 from './005-accounts-invitations.js';
import * as m006 from './006-jobs.js';
import * as m007 from './007-rate-budget.js';
import * as m008 from './008-sync-settings.js';
import * as m009 from './009-pending-changes.js';
import * as m010 from './010-attempt-record-type.js';
import * as m011 from './011-organizations-deals-activities.js';
import * as m012 from './012-object-type-settings.js';
import * as m013 from './013-push-associations.js';
import * as m015 from './015-pull.js';
import * as m016 from './016-two-way.js';
import * as m017 from './017-field-direction.js';
import * as m018 from './018-inbound-changes.js';
import * as m019 from './019-pending-archives.js';
import * as m021 from './021-split-initial-pull.js';
import * as m022 from './022-record-merges.js';
import * as m024 from './024-duplicate-keys.js';
import * as m025 from './025-tags.js';
import * as m026 from './026-sync-log-search.js';
import * as m028 from './028-dedup-window.js';
import * as m029 from './029-webhooks-out.js';
import * as m030 from './030-authorization-links.js';
import * as m031 from './031-password-resets.js';
import * as m033 from './033-dedup-recent.js';
import * as m034 from './034-activity-events.js';
import * as m035 from './035-contact-additional-emails.js';
import * as m036 from './036-schedule-changed-at.js';

export const migrations: Record<string, Migration> = {
  '001-initial': m001,
  '002-hubspot-sync': m002,
  '003-status-count-index': m003,
  '004-partial-status-index': m004,
  '005-accounts-invitations': m005,
  '006-jobs': m006,
  '007-rate-budget': m007,
  '008-sync-settings': m008,
  '009-pending-changes': m009,
  '010-attempt-record-type': m010,
  '011-organizations-deals-activities': m011,
  '012-object-type-settings': m012,
  '013-push-associations': m013,
  '015-pull': m015,
  '016-two-way': m016,
  '017-field-direction': m017,
  '018-inbound-changes': m018,
  '019-pending-archives': m019,
  '021-split-initial-pull': m021,
  '022-record-merges': m022,
  '024-duplicate-keys': m024,
  '025-tags': m025,
  '026-sync-log-search': m026,
  '028-dedup-window': m028,
  '029-webhooks-out': m029,
  '030-authorization-links': m030,
  '031-password-resets': m031,
  '033-dedup-recent': m033,
  '034-activity-events': m034,
  '035-contact-additional-emails': m035,
  '036-schedule-changed-at': m036,
};
