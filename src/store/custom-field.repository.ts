// Custom field definitions per workspace (the values live on the customer row).
import type { Db } from './database.js';
import type { CustomFieldTable } from './tables.js';

export interface CustomFieldRecord {
  id: string;
  workspaceId: string;
  key: string;
  label: string;
  type: string;
  options: { value: string; label: string }[];
  archivedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

const toRecord = (row: CustomFieldTable): CustomFieldRecord => ({
  id: row.id,
  workspaceId: row.workspace_id,
  key: row.key,
  label: row.label,
  type: row.type,
  options: JSON.parse(row.options) as CustomFieldRecord['options'],
  archivedAt: row.archived_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function insertCustomField(db: Db, field: CustomFieldRecord): Promise<void> {
  await db
    .insertInto('custom_fields')
    .values({
      id: field.id,
      workspace_id: field.workspaceId,
      object_type: 'contacts',
      key: field.key,
      label: field.label,
      type: field.type,
      options: JSON.stringify(field.options),
      archived_at: field.archivedAt,
      created_at: field.createdAt,
      updated_at: field.updatedAt,
    })
    .execute();
}

export async function updateCustomField(db: Db, field: CustomFieldRecord): Promise<void> {
  await db
    .updateTable('custom_fields')
    .set({
      label: field.label,
      options: JSON.stringify(field.options),
      archived_at: field.archivedAt,
      updated_at: field.updatedAt,
    })
    .where('workspace_id', '=', field.workspaceId)
    .where('id', '=', field.id)
    .execute();
}

/** A workspace's custom fields of one object type (`contacts` unless said). */
export async function listCustomFields(db: Db, workspaceId: string, objectType = 'contacts'): Promise<CustomFieldRecord[]> {
  const rows = await db
    .selectFrom('custom_fields')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('object_type', '=', objectType)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}
