// The hot queries of sync and status work must use an index that narrows them to the rows
// asked for. A new index once made SQLite answer lookups by id by reading the whole workspace
// (fast on a test's hundred rows, minutes at a million), so the plans themselves are checked.
// Mostly SQLite: PostgreSQL chooses plans from table statistics, which a test database lacks —
// but so does a table just loaded before autovacuum has been by, so the one statement whose
// plan went wrong that way on PostgreSQL is checked there in that state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../../test/support/database.js';
import { plansOf } from '../../test/support/query-plans.js';
import { openDatabase, type OpenedDatabase } from './database.js';
import { migrateToLatest } from './migrate.js';
import { countPending } from './pending-change.repository.js';
import { insertCustomers, type Customer } from './customer.repository.js';
import { countByStatus, findCandidatesByEmails, findCandidatesByIds, pageIdsByStatus, recordDealPushSuccesses, recordOrganizationPushSuccesses, recordPushSuccesses } from './sync.repository.js';
import { recordNoteSuccesses } from './activity.repository.js';
import { pageDuplicateGroups, recordsOfDuplicateKeys } from './duplicate.repository.js';
import { findLinkedEmailDuplicates } from './record-merge.repository.js';

let testDb: TestDatabase;
let opened: OpenedDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  opened = openDatabase(testDb.config);
  await migrateToLatest(opened.db);
});
afterAll(async () => {
  await opened?.close();
  await testDb?.drop();
});

describe.skipIf(TEST_DB_KIND !== 'sqlite')('SQLite query plans', () => {
  it('looks customers up by id through (workspace_id, id)', async () => {
    const [plan] = await plansOf(opened, (db) => findCandidatesByIds(db, 'ws', ['a', 'b', 'c']));
    expect(plan).toMatch(/USING INDEX \w+ \(workspace_id=\? AND id=\?\)/);
  });

  it('looks customers up by email through (workspace_id, email_lower)', async () => {
    const [plan] = await plansOf(opened, (db) => findCandidatesByEmails(db, 'ws', ['a@example.com', 'b@example.com']));
    // Either (workspace_id, email_lower, created_at) or the duplicates report's partial index of
    // live rows (workspace_id, email_lower, deleted_at): both narrow it to the emails asked for.
    expect(plan).toMatch(/USING INDEX \w+ \(workspace_id=\? AND email_lower=\?( AND deleted_at=\?)?\)/);
  });

  it('finds the emails de-duplication looks at from a range of the recent-changes index alone', async () => {
    const [plan] = await plansOf(opened, (db) => findLinkedEmailDuplicates(db, 'ws', 1_000));
    expect(plan).toMatch(/USING COVERING INDEX customers_dedup_recent \(workspace_id=\? AND updated_at>\?\)/);
  });

  it('counts statuses from an index alone, without reading customer rows', async () => {
    const [plan] = await plansOf(opened, (db) => countByStatus(db, 'ws'));
    expect(plan).toMatch(/USING COVERING INDEX/);
  });

  it('counts a workspace\'s pending changes from an index alone', async () => {
    const [plan] = await plansOf(opened, (db) => countPending(db, 'ws'));
    expect(plan).toMatch(/USING COVERING INDEX \w+ \(workspace_id=\?\)/);
  });

  // A batch of 100: the values drive, each row found by its id. With the workspace's index the
  // whole table was walked and the values scanned for every row (a pass over every record per
  // batch: the every-object bench fell to a third of HubSpot's rate at 50,000 records).
  const batch = Array.from({ length: 100 }, (_, i) => ({ id: `rec_${i}`, hubspotId: String(i + 1), hash: 'h' }));
  const drivenByTheValues = (plan: string | undefined, table: string) => {
    expect(plan).toMatch(new RegExp(`SCAN \\d+-ROW VALUES CLAUSE.*SEARCH ${table} USING INDEX \\w+ \\(id=\\?\\)`));
    expect(plan).not.toMatch(new RegExp(`SEARCH ${table} USING (COVERING )?INDEX \\w+ \\(workspace_id=\\?\\)`));
  };

  it("records a batch's successes by id and checks each one's email through (workspace_id, email_lower)", async () => {
    const [plan] = await plansOf(opened, (db) => recordPushSuccesses(db, 'ws', batch, 1));
    drivenByTheValues(plan, 'customers');
    expect(plan).toMatch(/SEARCH other USING INDEX \w+ \(workspace_id=\? AND email_lower=\?\)/);
  });

  it("records a batch's successes of companies, deals and notes by id", async () => {
    drivenByTheValues((await plansOf(opened, (db) => recordOrganizationPushSuccesses(db, 'ws', batch, 1)))[0], 'organizations');
    drivenByTheValues((await plansOf(opened, (db) => recordDealPushSuccesses(db, 'ws', batch, 1)))[0], 'deals');
    drivenByTheValues((await plansOf(opened, (db) => recordNoteSuccesses(db, 'ws', batch, 1)))[0], 'activities');
  });

  // The duplicates report groups each reason's key over its partial index, from the cursor on,
  // without a temporary sort or a read of the table.
  it('groups duplicates from a partial index alone, in key order, from the cursor on', async () => {
    const plans = await plansOf(opened, (db) => pageDuplicateGroups(db, 'customers', 'ws', ['email', 'phone', 'name'], { reason: 'email', key: 'a@example.com' }, 10));
    expect(plans).toHaveLength(3);
    expect(plans[0]).toMatch(/SEARCH customers USING COVERING INDEX customers_dup_email \(workspace_id=\? AND email_lower>\?\)/);
    expect(plans[1]).toMatch(/(SEARCH|SCAN) customers USING COVERING INDEX customers_dup_phone/);
    expect(plans[2]).toMatch(/(SEARCH|SCAN) customers USING COVERING INDEX customers_dup_name/);
    for (const plan of plans) expect(plan).not.toMatch(/TEMP B-TREE/);
    const [organizations] = await plansOf(opened, (db) => pageDuplicateGroups(db, 'organizations', 'ws', ['domain'], null, 10));
    expect(organizations).toMatch(/USING COVERING INDEX organizations_dup_domain/);
    const [records] = await plansOf(opened, (db) => recordsOfDuplicateKeys(db, 'customers', 'ws', 'phone', ['+4144', '+4145']));
    expect(records).toMatch(/USING INDEX customers_dup_phone \(workspace_id=\? AND phone_key=\? AND deleted_at=\?\)/);
  });

  it('pages pushable ids by keyset on (workspace_id, id)', async () => {
    const [plan] = await plansOf(opened, (db) => pageIdsByStatus(db, 'ws', ['not_synced', 'needs_update'], 'cus_x', 600));
    expect(plan).toMatch(/\(workspace_id=\? AND id>\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });
});

describe.skipIf(TEST_DB_KIND !== 'postgres')('PostgreSQL query plans without statistics', () => {
  it("checks each recorded success's email through (workspace_id, email_lower), not by reading the workspace's live customers", async () => {
    await opened.db.insertInto('workspaces').values({ id: 'ws', slug: 'ws', name: 'W', created_at: 1 }).execute();
    const customers = Array.from({ length: 5000 }, (_, i): Customer => ({
      id: `cus_${String(i).padStart(6, '0')}`, workspaceId: 'ws', externalId: `e${i}`, firstName: 'F', lastName: 'L', email: `p${i}@example.com`,
      phone: null, street: null, city: null, postalCode: null, region: null, country: null, companyName: null, lifecycleStage: null, ownerUserId: null,
      tags: [], custom: {}, fieldUpdatedAt: {}, createdAt: i, updatedAt: i, version: 1,
      sync: { hubspotId: null, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
    }));
    await insertCustomers(opened.db, customers);
    const batch = customers.slice(0, 100).map((c) => ({ id: c.id, hubspotId: '1', hash: 'h' }));
    const [plan] = await plansOf(opened, (db) => recordPushSuccesses(db, 'ws', batch, 1));
    const subplan = plan!.slice(plan!.indexOf('SubPlan'));
    expect(subplan).toMatch(/Index Scan using customers_workspace_email on customers other/);
    expect(subplan).toMatch(/Index Cond: \(\(workspace_id = customers\.workspace_id\) AND \(email_lower = customers\.email_lower\)\)/);
  });

  it("groups duplicates through the report's partial indexes, from the cursor on (the customers above, no statistics)", async () => {
    const plans = await plansOf(opened, (db) => pageDuplicateGroups(db, 'customers', 'ws', ['email', 'phone'], { reason: 'email', key: 'p1@example.com' }, 25));
    expect(plans[0]).toMatch(/Index (Only )?Scan using customers_dup_email on customers/);
    expect(plans[0]).toMatch(/Index Cond: \(\(workspace_id = 'ws'::text\) AND \(email_lower > 'p1@example.com'::text\)\)/);
    expect(plans[0]).not.toMatch(/Seq Scan|Sort/);
    expect(plans[1]).toMatch(/Index (Only )?Scan using customers_dup_phone on customers/);
  });
});
