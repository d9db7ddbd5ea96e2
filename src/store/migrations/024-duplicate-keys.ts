// The duplicates report (docs/ARCHITECTURE.md "Duplicates report") groups live records by a
// shared email, phone or name. `phone_key` (digits, leading `+`) and `name_key` (a customer's
// folded name and Company, an organization's folded name) are derived on every write, like
// `email_lower` and `domain_key`; the partial indexes hold only live rows with a key, so the
// report's GROUP BY reads one index in key order instead of the table (deleted_at is listed so
// SQLite sees that the index alone answers the query, as in migration 004). Existing rows are filled
// here in batches by id.
import { sql, type Kysely } from 'kysely';
import { organizationNameKey, personNameKey, phoneKey } from '../../lib/index.js';

const BATCH = 1000;

type Row = { id: string; phone: string | null; first_name?: string | null; last_name?: string | null; company_name?: string | null; name?: string | null };

async function backfill(db: Kysely<unknown>, table: 'customers' | 'organizations', columns: string[], keys: (row: Row) => { phone_key: string | null; name_key: string | null }): Promise<void> {
  let after = '';
  for (;;) {
    const { rows } = await sql<Row>`select ${sql.join(['id', ...columns].map((c) => sql.ref(c)))} from ${sql.table(table)} where id > ${after} order by id limit ${BATCH}`.execute(db);
    if (rows.length === 0) return;
    const keyed = rows.map((row) => ({ id: row.id, ...keys(row) })).filter((r) => r.phone_key !== null || r.name_key !== null);
    // One statement per batch; VALUES columns are column1… on both SQLite and PostgreSQL.
    for (let i = 0; i < keyed.length; i += 300) {
      const values = keyed.slice(i, i + 300).map((r) => sql`(${r.id}, cast(${r.phone_key} as text), cast(${r.name_key} as text))`);
      await sql`update ${sql.table(table)} set phone_key = v.column2, name_key = v.column3 from (values ${sql.join(values)}) as v where ${sql.ref(`${table}.id`)} = v.column1`.execute(db);
    }
    after = rows[rows.length - 1]!.id;
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['customers', 'organizations'] as const) {
    await db.schema.alterTable(table).addColumn('phone_key', 'text').execute();
    await db.schema.alterTable(table).addColumn('name_key', 'text').execute();
  }
  await backfill(db, 'customers', ['phone', 'first_name', 'last_name', 'company_name'], (r) => ({ phone_key: phoneKey(r.phone), name_key: personNameKey(r.first_name ?? null, r.last_name ?? null, r.company_name ?? null) }));
  await backfill(db, 'organizations', ['phone', 'name'], (r) => ({ phone_key: phoneKey(r.phone), name_key: organizationNameKey(r.name ?? null) }));
  const indexes: [string, 'customers' | 'organizations', string][] = [
    ['customers_dup_email', 'customers', 'email_lower'],
    ['customers_dup_phone', 'customers', 'phone_key'],
    ['customers_dup_name', 'customers', 'name_key'],
    ['organizations_dup_domain', 'organizations', 'domain_key'],
    ['organizations_dup_phone', 'organizations', 'phone_key'],
    ['organizations_dup_name', 'organizations', 'name_key'],
  ];
  for (const [name, table, column] of indexes) {
    await db.schema
      .createIndex(name)
      .on(table)
      .columns(['workspace_id', column, 'deleted_at'])
      .where(sql<boolean>`deleted_at is null and ${sql.ref(column)} is not null`)
      .execute();
  }
}
