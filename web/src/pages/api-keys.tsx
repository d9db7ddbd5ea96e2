// API keys (admins): the keys host applications use (`Authorization: Bearer hsk_…`, member
// rights in this workspace). A new key is shown once; the list says who created each key and
// when it was last used (recorded at most once a minute), and Revoke (confirmed) ends it at once.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, get, ws } from '../api/client.js';
import { useCreateForm } from '../components/create-form.js';
import type { ApiKey, CreatedApiKey } from '../api/types.js';
import { OneTimeSecret } from '../components/one-time-secret.js';
import { PagedTable } from '../components/paged-table.js';
import { ConfirmDialog, ErrorMessage, FieldError, formatDate, PageHeader } from '../components/ui.js';
import { useWorkspace } from '../layout.js';

const keysKey = (workspace: string) => ['api-keys', workspace];

export function ApiKeysPage() {
  const workspace = useWorkspace();
  const client = useQueryClient();
  const keys = useQuery({ queryKey: keysKey(workspace), queryFn: () => get<{ apiKeys: ApiKey[] }>(`${ws(workspace)}/api-keys`) });
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const refresh = () => void client.invalidateQueries({ queryKey: keysKey(workspace) });
  const revoke = useMutation({
    mutationFn: (key: ApiKey) => api('DELETE', `${ws(workspace)}/api-keys/${encodeURIComponent(key.id)}`),
    onSuccess: () => {
      setRevoking(null);
      refresh();
    },
    onError: () => setRevoking(null),
  });
  // Active keys first (newest first), revoked ones after them.
  const sorted = (list: ApiKey[]) => [...list].sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt.localeCompare(a.createdAt));

  return (
    <>
      <PageHeader title="API keys" />
      <p className="muted">
        Your host application calls hubsync’s API with a key: <code>Authorization: Bearer hsk_…</code>. A key acts with member rights in this workspace.
      </p>
      <NewKeyForm workspace={workspace} onCreated={refresh} />
      <section className="card card-flush" aria-labelledby="keys-title">
        <h2 className="card-title" id="keys-title">
          Keys
        </h2>
        {revoke.error ? (
          <div className="padded">
            <ErrorMessage error={revoke.error} />
          </div>
        ) : null}
        <PagedTable
          query={keys}
          rows={(data) => sorted(data.apiKeys)}
          rowKey={(key) => key.id}
          rowProps={(key) => ({ className: key.revokedAt ? 'row-muted' : undefined })}
          label="API keys"
          empty="No API key yet."
          columns={[
            {
              header: 'Name',
              cellClassName: 'member-cell',
              cell: (key) => (
                <>
                  <div>{key.name}</div>
                  <div className="small">
                    <code>{key.prefix}…</code>
                  </div>
                </>
              ),
            },
            { header: 'Created', className: 'hide-narrow', cellClassName: 'nowrap', cell: (key) => formatDate(key.createdAt) },
            { header: 'Created by', className: 'hide-narrow', cellClassName: 'member-cell', cell: (key) => (key.createdBy ? key.createdBy.name || key.createdBy.email : '—') },
            { header: 'Last used', cellClassName: 'nowrap', cell: (key) => (key.lastUsedAt ? formatDate(key.lastUsedAt) : 'Never') },
            {
              header: 'Actions',
              cellClassName: 'row-actions',
              cell: (key) =>
                key.revokedAt ? (
                  <span>Revoked {formatDate(key.revokedAt)}</span>
                ) : (
                  <button type="button" className="btn btn-link btn-link-danger" onClick={() => setRevoking(key)} aria-label={`Revoke ${key.name}`}>
                    Revoke
                  </button>
                ),
            },
          ]}
        />
      </section>
      {revoking ? (
        <ConfirmDialog title={`Revoke ${revoking.name}?`} confirmLabel="Revoke key" danger busy={revoke.isPending} onConfirm={() => revoke.mutate(revoking)} onCancel={() => setRevoking(null)}>
          <p>Requests with this key are refused from now on. This cannot be undone: the application needs a new key.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function NewKeyForm({ workspace, onCreated }: { workspace: string; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const create = useCreateForm({
    send: (body: { name: string }) => api<CreatedApiKey>('POST', `${ws(workspace)}/api-keys`, body),
    onCreated: (key) => {
      setCreated(key);
      setName('');
      onCreated();
    },
    shows: (field) => field === 'name',
  });
  return (
    <form className="card" onSubmit={create.submit(() => ({ name: name.trim() }))} aria-labelledby="new-key-title">
      <h2 id="new-key-title">New API key</h2>
      <ErrorMessage error={create.formError} />
      {created ? (
        <OneTimeSecret title={`API key ${created.name} created`} label="API key" value={created.key} onDone={() => setCreated(null)}>
          <p className="small">Store it in your application’s secrets now: hubsync keeps only its hash and cannot show it again.</p>
        </OneTimeSecret>
      ) : null}
      <div className="form-grid">
        <div className="form-field">
          <label htmlFor="key-name">Name</label>
          <input id="key-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Shop backend" aria-describedby="key-name-hint key-name-error" />
          <p className="hint" id="key-name-hint">
            Which application uses it, so you know what breaks when you revoke it.
          </p>
          <FieldError id="key-name-error" error={create.error} field="name" />
        </div>
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.busy}>
          {create.busy ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}
