// Custom field definitions, per object type (`contacts` for customers, `companies` for
// organizations, `deals` for deals): admins create, rename (label and options) and archive them. The key is fixed
// at creation because record values and the HubSpot mapping refer to it.
import type { Clock } from '../lib/index.js';
import { AppError, newId, notFound } from '../lib/index.js';
import type { CustomFieldRecord, Db } from '../store/index.js';
import { findCustomField, insertCustomField, listCustomFields, updateCustomField } from '../store/index.js';
import { CUSTOM_FIELD_KEY, type ChoiceOption, type CustomFieldDefinition, type CustomFieldType } from './fields.js';

/** The object types that have custom fields, by HubSpot's name. */
export const CUSTOM_FIELD_OBJECT_TYPES = ['contacts', 'companies', 'deals'] as const;
export type CustomFieldObjectType = (typeof CUSTOM_FIELD_OBJECT_TYPES)[number];

/** The custom fields of one object type, as the validators read them. */
export async function loadFieldDefinitions(db: Db, workspaceId: string, objectType: CustomFieldObjectType = 'contacts'): Promise<CustomFieldDefinition[]> {
  const records = await listCustomFields(db, workspaceId, objectType);
  return records.map((r) => ({
    id: r.id,
    key: r.key,
    label: r.label,
    type: r.type as CustomFieldType,
    options: r.options,
    archived: r.archivedAt !== null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }));
}

export interface NewCustomField {
  /** Defaults to `contacts`. */
  objectType?: CustomFieldObjectType | undefined;
  key: string;
  label: string;
  type: CustomFieldType;
  options?: ChoiceOption[] | undefined;
}

function checkOptions(type: CustomFieldType, options: ChoiceOption[] | undefined): ChoiceOption[] {
  const isChoice = type === 'single_choice' || type === 'multiple_choice';
  if (!isChoice) {
    if (options && options.length > 0) throw new AppError('VALIDATION_FAILED', `options: only choice fields have options`, { field: 'options' });
    return [];
  }
  if (!options || options.length === 0) throw new AppError('VALIDATION_FAILED', 'options: a choice field needs at least one option', { field: 'options' });
  const values = options.map((o) => o.value);
  const duplicate = values.find((v, i) => values.indexOf(v) !== i);
  if (duplicate !== undefined) throw new AppError('VALIDATION_FAILED', `options: "${duplicate}" is listed twice`, { field: 'options' });
  if (values.some((v) => v.includes(';'))) {
    throw new AppError('VALIDATION_FAILED', 'options: a value cannot contain ";" (HubSpot uses it to separate multiple choices)', { field: 'options' });
  }
  return options;
}

/**
 * Creates a field of `input.objectType`; `builtInKeys` are that type's built-in field keys, which
 * a custom key may not shadow.
 */
export async function createCustomField(db: Db, clock: Clock, workspaceId: string, input: NewCustomField, builtInKeys: readonly string[]): Promise<CustomFieldRecord> {
  const objectType = input.objectType ?? 'contacts';
  if (!CUSTOM_FIELD_KEY.test(input.key)) {
    throw new AppError('VALIDATION_FAILED', 'key: use lower-case letters, digits and underscores, starting with a letter', { field: 'key' });
  }
  if (builtInKeys.some((k) => k.toLowerCase() === input.key.replace(/_/g, ''))) {
    throw new AppError('VALIDATION_FAILED', `key: "${input.key}" is a built-in field`, { field: 'key' });
  }
  const existing = await listCustomFields(db, workspaceId, objectType);
  if (existing.some((f) => f.key === input.key)) {
    throw new AppError('ALREADY_EXISTS', `A custom field with key "${input.key}" already exists.`, { field: 'key' });
  }
  const now = clock.now();
  const record: CustomFieldRecord = {
    id: newId('fld', clock),
    workspaceId,
    objectType,
    key: input.key,
    label: input.label.trim(),
    type: input.type,
    options: checkOptions(input.type, input.options),
    archivedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await insertCustomField(db, record);
  return record;
}

export interface CustomFieldChange {
  label?: string | undefined;
  options?: ChoiceOption[] | undefined;
  archived?: boolean | undefined;
}

export async function changeCustomField(db: Db, clock: Clock, workspaceId: string, id: string, change: CustomFieldChange): Promise<CustomFieldRecord> {
  const existing = await findCustomField(db, workspaceId, id);
  if (!existing) throw notFound('Custom field');
  const now = clock.now();
  const updated: CustomFieldRecord = {
    ...existing,
    label: change.label?.trim() ?? existing.label,
    options: change.options ? checkOptions(existing.type as CustomFieldType, change.options) : existing.options,
    archivedAt: change.archived === undefined ? existing.archivedAt : change.archived ? (existing.archivedAt ?? now) : null,
    updatedAt: now,
  };
  if (change.options) {
    // Removing an option would strand the values records already hold.
    const kept = new Set(updated.options.map((o) => o.value));
    const removed = existing.options.filter((o) => !kept.has(o.value)).map((o) => o.value);
    if (removed.length > 0) {
      throw new AppError('VALIDATION_FAILED', `options: existing options cannot be removed (${removed.join(', ')}); archive the field instead`, {
        field: 'options',
      });
    }
  }
  await updateCustomField(db, updated);
  return updated;
}
