// Custom field definitions: admins create, rename (label and options) and archive them. The key
// is fixed at creation because customer values and the HubSpot mapping refer to it.
import type { Clock } from '../lib/index.js';
import { AppError, newId, notFound } from '../lib/index.js';
import type { CustomFieldRecord, Db } from '../store/index.js';
import { insertCustomField, listCustomFields, updateCustomField } from '../store/index.js';
import { BUILT_IN_FIELD_KEYS, CUSTOM_FIELD_KEY, type ChoiceOption, type CustomFieldType } from './fields.js';

export interface NewCustomField {
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

export async function createCustomField(db: Db, clock: Clock, workspaceId: string, input: NewCustomField): Promise<CustomFieldRecord> {
  if (!CUSTOM_FIELD_KEY.test(input.key)) {
    throw new AppError('VALIDATION_FAILED', 'key: use lower-case letters, digits and underscores, starting with a letter', { field: 'key' });
  }
  if ((BUILT_IN_FIELD_KEYS as readonly string[]).some((k) => k.toLowerCase() === input.key.replace(/_/g, ''))) {
    throw new AppError('VALIDATION_FAILED', `key: "${input.key}" is a built-in field`, { field: 'key' });
  }
  const existing = await listCustomFields(db, workspaceId);
  if (existing.some((f) => f.key === input.key)) {
    throw new AppError('ALREADY_EXISTS', `A custom field with key "${input.key}" already exists.`, { field: 'key' });
  }
  const now = clock.now();
  const record: CustomFieldRecord = {
    id: newId('fld', clock),
    workspaceId,
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
  const existing = (await listCustomFields(db, workspaceId)).find((f) => f.id === id);
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
    // Removing an option would strand the values customers already hold.
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
