// The customers' side of the record merge (records/record-merge.ts): the fields compared, in the
// order the Merge action shows them, and how a customer is read and saved.
import type { RecordMergeSpec } from '../records/index.js';
import type { Customer } from '../store/index.js';
import { findCustomer, updateCustomerContent } from '../store/index.js';
import { BUILT_IN_FIELDS } from './fields.js';

export const customerMergeSpec: RecordMergeSpec<Customer> = {
  table: 'customers',
  noun: 'customer',
  customFieldType: 'contacts',
  fields: [...BUILT_IN_FIELDS.map((f) => ({ key: f.key, label: f.label })), { key: 'ownerUserId', label: 'Owner' }, { key: 'tags', label: 'Tags' }],
  find: findCustomer,
  update: updateCustomerContent,
  duplicateKey: (customer) => customer.email?.trim().toLowerCase() || null,
};
