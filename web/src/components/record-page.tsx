// The frame every record page (a customer, an organization, a deal) shares: reading the record
// and the custom fields of its object type, the edit form's state, the breadcrumb back to its
// list, the loading and error states before the record is there, and around the page's own parts
// the header with Edit, the HubSpot sync card, and either the edit form or the field list; after
// the page's own parts, the record's conflict history.
import { useQuery } from '@tanstack/react-query';
import type { ReactElement, ReactNode } from 'react';
import { Link } from 'react-router';
import { get, query, ws } from '../api/client.js';
import type { Customer, CustomField, Deal, Organization } from '../api/types.js';
import { useWorkspace } from '../layout.js';
import { RecordConflicts } from './record-conflicts.js';
import { CustomFieldList, CustomInput, FormActions, SyncCard, useRecordDraft, type Draft } from './record-fields.js';
import { ErrorMessage, formatDate, Loading, PageHeader } from './ui.js';

interface RecordOf {
  customers: Customer;
  organizations: Organization;
  deals: Deal;
}
type Resource = keyof RecordOf;

/** What differs between the record pages besides their own fields (also how related records are named and cached). */
export const RECORD_KINDS = {
  customers: { key: 'customer', title: 'Customer', list: 'Customers', objectType: 'contacts', hubspotNoun: 'contact', noCustomFields: 'This workspace has no custom fields.' },
  organizations: { key: 'organization', title: 'Organization', list: 'Organizations', objectType: 'companies', hubspotNoun: 'company', noCustomFields: 'This workspace has no custom fields for organizations.' },
  deals: { key: 'deal', title: 'Deal', list: 'Deals', objectType: 'deals', hubspotNoun: 'deal', noCustomFields: 'This workspace has no custom fields for deals.' },
} as const;

/**
 * The custom fields of one object type. Customers' are read without an object type, under the
 * custom fields page's own query key, so the two pages share one read.
 */
export function useCustomFields(workspace: string, objectType: 'contacts' | 'companies' | 'deals') {
  const contacts = objectType === 'contacts';
  return useQuery({
    queryKey: contacts ? ['custom-fields', workspace] : ['custom-fields', workspace, objectType],
    queryFn: () => get<{ customFields: CustomField[] }>(`${ws(workspace)}/custom-fields${contacts ? '' : query({ objectType })}`),
  });
}

/** A record page once its record and custom fields are read. */
export interface ReadyRecordPage<R extends Resource> {
  ready: true;
  workspace: string;
  resource: R;
  record: RecordOf[R];
  customFields: CustomField[];
  form: ReturnType<typeof useRecordDraft<RecordOf[R]>>;
  breadcrumb: ReactElement;
}

/**
 * Reads one record of `resource` and its custom fields and holds its edit form (`keys` are the
 * plain fields the form edits; `numberKeys` are sent as numbers). Until both reads answer,
 * `ready` is false and `view` is what the page shows instead (loading, or the error).
 *
 * @example
 * const page = useRecordPage('deals', dealId, DEAL_KEYS);
 * if (!page.ready) return page.view;
 */
export function useRecordPage<R extends Resource>(resource: R, id: string, keys: readonly (keyof RecordOf[R] & string)[], numberKeys: readonly string[] = []): ReadyRecordPage<R> | { ready: false; workspace: string; view: ReactElement } {
  const workspace = useWorkspace();
  const kind = RECORD_KINDS[resource];
  const key = [kind.key, workspace, id];
  const path = `${ws(workspace)}/${resource}/${encodeURIComponent(id)}`;
  const record = useQuery({ queryKey: key, queryFn: () => get<RecordOf[R]>(path) });
  const fields = useCustomFields(workspace, kind.objectType);
  const form = useRecordDraft<RecordOf[R]>({
    record: record.data,
    fields: fields.data?.customFields,
    keys,
    numberKeys,
    path,
    queryKey: key,
    invalidate: [
      [resource, workspace],
      ['sync', workspace],
    ],
  });

  const breadcrumb = <Link to={`/w/${workspace}/${resource}`}>{`← ${kind.list}`}</Link>;
  if (record.isPending || fields.isPending) return { ready: false, workspace, view: <Loading /> };
  if (record.isError) {
    const view = (
      <>
        <PageHeader title={kind.title} breadcrumb={breadcrumb} />
        <ErrorMessage error={record.error} />
      </>
    );
    return { ready: false, workspace, view };
  }
  if (fields.isError) return { ready: false, workspace, view: <ErrorMessage error={fields.error} /> };
  return { ready: true, workspace, resource, record: record.data, customFields: fields.data.customFields, form, breadcrumb };
}

/** One labelled value in a record's field list. */
export function Fact({ label, children }: { label: ReactNode; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/**
 * The top of a record page: its title with Edit, the HubSpot sync card, then the edit form (the
 * page's `inputs`, then an input for each live custom field) while editing, else the field list
 * (the page's `facts`, the external id, the custom fields and when it was created and updated);
 * the page's own cards follow as `children`, and the record's conflicts close the page.
 */
export function RecordFrame<R extends Resource>({ page, title, inputs, facts, children }: { page: ReadyRecordPage<R>; title: string; inputs: (draft: Draft) => ReactNode; facts: ReactNode; children: ReactNode }) {
  const { workspace, record, customFields, form, breadcrumb } = page;
  const { draft, save, set } = form;
  const kind = RECORD_KINDS[page.resource];
  return (
    <>
      <PageHeader title={title} breadcrumb={breadcrumb}>
        {draft ? null : (
          <button type="button" className="btn btn-primary" onClick={form.edit}>
            Edit
          </button>
        )}
      </PageHeader>

      <SyncCard workspace={workspace} sync={record.sync} objectType={kind.objectType} noun={kind.hubspotNoun} />

      {draft ? (
        <form className="card" onSubmit={form.submit} aria-labelledby="edit-heading" noValidate>
          <h2 id="edit-heading">{`Edit ${kind.key}`}</h2>
          <ErrorMessage error={save.error} />
          <div className="form-grid">
            {inputs(draft)}
            {customFields
              .filter((f) => !f.archived)
              .map((f) => (
                <CustomInput key={f.id} field={f} value={draft[`custom.${f.key}`]} onChange={(v) => set(`custom.${f.key}`, v)} error={save.error} />
              ))}
          </div>
          <FormActions busy={save.isPending} onCancel={form.cancel} />
        </form>
      ) : (
        <section className="card" aria-labelledby="fields-heading">
          <h2 id="fields-heading">Fields</h2>
          <dl className="field-list">
            {facts}
            <Fact label="External id">{record.externalId ?? '—'}</Fact>
          </dl>
          <h3>Custom fields</h3>
          <CustomFieldList fields={customFields} record={record} empty={kind.noCustomFields} />
          <p className="meta">
            Created {formatDate(record.createdAt)} · Updated {formatDate(record.updatedAt)} · <code>{record.id}</code>
          </p>
        </section>
      )}

      {children}
      <RecordConflicts workspace={workspace} resource={page.resource} id={record.id} customFields={customFields} />
    </>
  );
}
