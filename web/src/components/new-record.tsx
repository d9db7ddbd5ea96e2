// The "New customer / organization / deal" pages' frame: the workspace's live custom fields, the
// draft (every input empty to start), the create (only what was filled in, via useCreateForm),
// the API's field problems beside their inputs, and — once created — the new record's page.
// Each page brings its built-in inputs and, below them, its links (an organization, customers).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, get, ws } from '../api/client.js';
import type { Customer, Deal, Organization } from '../api/types.js';
import { customerName } from '../pages/customers.js';
import { organizationName } from '../pages/organizations.js';
import { useCreateForm } from './create-form.js';
import { changes, CustomInput, emptyDraft, type Draft } from './record-fields.js';
import { RECORD_KINDS, useCustomFields } from './record-page.js';
import { CustomerPicker, OrganizationPicker } from './record-pickers.js';
import { ErrorMessage, FieldError, PageHeader, QueryView } from './ui.js';

type Resource = keyof typeof RECORD_KINDS;
type Created = { customers: Customer; organizations: Organization; deals: Deal };

/** What a page's inputs get: the draft, `set` to change one input, and the create's error (for FieldError). */
export interface NewRecordInputs {
  draft: Draft;
  set: (key: string, value: Draft[string]) => void;
  error: unknown;
  busy: boolean;
}

export function NewRecordPage<R extends Resource>(props: {
  workspace: string;
  resource: R;
  /** The built-in keys the inputs hold (the draft starts with them empty). */
  keys: readonly string[];
  /** Keys sent as numbers when they read as one. */
  numberKeys?: readonly string[];
  inputs: (form: NewRecordInputs) => ReactNode;
  /** Below the fields: the links the record is created with (the page keeps their state). */
  links?: (form: NewRecordInputs) => ReactNode;
  /** Adds the links to the body. */
  withLinks?: (body: Record<string, unknown>) => void;
}) {
  const { workspace, resource, keys, numberKeys = [] } = props;
  const kind = RECORD_KINDS[resource];
  const navigate = useNavigate();
  const client = useQueryClient();
  const fields = useCustomFields(workspace, kind.objectType);
  const [edits, setEdits] = useState<Draft>({});
  const form = useCreateForm({
    send: (body: Record<string, unknown>) => api<Created[R]>('POST', `${ws(workspace)}/${resource}`, body),
    onCreated: (created) => {
      client.setQueryData([kind.key, workspace, created.id], created);
      void client.invalidateQueries({ queryKey: [resource, workspace] });
      void client.invalidateQueries({ queryKey: ['sync', workspace] });
      void navigate(`/w/${workspace}/${resource}/${encodeURIComponent(created.id)}`);
    },
    // Every field of the form shows its own problem; one it has no input for (externalId) goes on top.
    shows: (field) => keys.includes(field) || field === 'tags' || field.startsWith('custom.') || field === 'organizationId' || field === 'organizationIds' || field === 'customerIds',
  });
  const list = `/w/${workspace}/${resource}`;

  return (
    <>
      <PageHeader title={`New ${kind.key}`} breadcrumb={<Link to={list}>{`← ${kind.list}`}</Link>} />
      <QueryView query={fields} isEmpty={() => false} empty="">
        {(data) => {
          const live = data.customFields.filter((f) => !f.archived);
          const empty = emptyDraft(keys, live);
          const draft = { ...empty, ...edits };
          const inputs: NewRecordInputs = { draft, set: (key, value) => setEdits((d) => ({ ...d, [key]: value })), error: form.error, busy: form.busy };
          const body = () => {
            const b = changes(empty, draft, live, numberKeys);
            props.withLinks?.(b);
            return b;
          };
          return (
            <form className="card" onSubmit={form.submit(body)} aria-labelledby="new-heading" noValidate>
              <h2 id="new-heading">Fields</h2>
              <ErrorMessage error={form.formError} />
              <div className="form-grid">
                {props.inputs(inputs)}
                {live.map((f) => (
                  <CustomInput key={f.id} field={f} value={draft[`custom.${f.key}`]} onChange={(v) => inputs.set(`custom.${f.key}`, v)} error={form.error} />
                ))}
              </div>
              {props.links?.(inputs)}
              <div className="form-actions">
                <button type="submit" className="btn btn-primary" disabled={form.busy}>
                  {form.busy ? 'Creating…' : `Create ${kind.key}`}
                </button>
                <Link className="btn btn-secondary" to={list}>
                  Cancel
                </Link>
              </div>
            </form>
          );
        }}
      </QueryView>
    </>
  );
}

/** A section of links inside the create form: Enter in its search looks for a record; it does not create this one. */
function LinksSection({ id, heading, children }: { id: string; heading: string; children: ReactNode }) {
  return (
    <section
      className="new-record-organization"
      aria-labelledby={`${id}-heading`}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.type === 'search') e.preventDefault();
      }}
    >
      <h3 id={`${id}-heading`}>{heading}</h3>
      {children}
    </section>
  );
}

/** One organization to create the record with (a customer's primary one, a deal's), chosen by name or domain. */
export function PickOrganization(props: { workspace: string; id: string; heading: string; value: string | null; onChange: (id: string | null) => void; form: NewRecordInputs; errorField: string }) {
  const { workspace, id, value, form } = props;
  const organization = useQuery({
    queryKey: ['organization', workspace, value],
    queryFn: () => get<Organization>(`${ws(workspace)}/organizations/${encodeURIComponent(value ?? '')}`),
    enabled: value !== null,
  });
  return (
    <LinksSection id={id} heading={props.heading}>
      {value ? (
        <p>
          <span>{organization.data ? organizationName(organization.data) : value}</span>{' '}
          <button type="button" className="btn btn-secondary btn-small" onClick={() => props.onChange(null)}>
            Remove organization
          </button>
        </p>
      ) : (
        <OrganizationPicker workspace={workspace} id={`${id}-search`} heading="Find an organization" linkedIds={[]} busy={form.busy} error={null} action="Choose" onPick={props.onChange} />
      )}
      <FieldError id={`${id}-error`} error={form.error} field={props.errorField} />
    </LinksSection>
  );
}

/** Customers to create the record with (a deal's), each found by name, email or pasted id, with Remove. */
export function PickCustomers(props: { workspace: string; id: string; value: string[]; onChange: (ids: string[]) => void; form: NewRecordInputs }) {
  const { workspace, id, value, form } = props;
  return (
    <LinksSection id={id} heading="Customers">
      {value.length === 0 ? <p className="muted">No customers yet.</p> : null}
      <ul className="record-links" aria-label="Chosen customers">
        {value.map((customerId) => (
          <ChosenCustomer key={customerId} workspace={workspace} customerId={customerId} onRemove={() => props.onChange(value.filter((c) => c !== customerId))} />
        ))}
      </ul>
      <CustomerPicker workspace={workspace} id={`${id}-search`} heading="Add a customer" linkedIds={value} busy={form.busy} error={null} action="Add" onPick={(customerId) => props.onChange([...value, customerId])} />
      <FieldError id={`${id}-error`} error={form.error} field="customerIds" />
    </LinksSection>
  );
}

function ChosenCustomer({ workspace, customerId, onRemove }: { workspace: string; customerId: string; onRemove: () => void }) {
  const customer = useQuery({ queryKey: ['customer', workspace, customerId], queryFn: () => get<Customer>(`${ws(workspace)}/customers/${encodeURIComponent(customerId)}`) });
  const name = customer.data ? customerName(customer.data) : customerId;
  return (
    <li>
      <span>{name}</span>{' '}
      <button type="button" className="btn btn-secondary btn-small" onClick={onRemove} aria-label={`Remove ${name}`}>
        Remove
      </button>
    </li>
  );
}
