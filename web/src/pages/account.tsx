// The signed-in person's own account: who they are, and changing their password (which signs
// out their other sessions).
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.js';
import { ErrorMessage, FieldError, PageHeader } from '../components/ui.js';
import { useSession } from '../session.js';

const FORM_FIELDS = ['currentPassword', 'newPassword'];

export function AccountPage() {
  const { me } = useSession();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation({
    mutationFn: () => api<void>('POST', '/api/auth/password', { currentPassword, newPassword }),
    onSuccess: () => {
      setCurrentPassword('');
      setNewPassword('');
      setConfirm('');
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setMismatch(newPassword !== confirm);
    if (newPassword !== confirm) return;
    change.mutate();
  };

  return (
    <>
      <PageHeader title="Account" />
      <section className="card" aria-labelledby="account-who">
        <h2 id="account-who">Signed in as</h2>
        <p>
          {me.user.name} · {me.user.email}
        </p>
      </section>
      <form className="card" onSubmit={submit} aria-labelledby="password-title">
        <h2 id="password-title">Change password</h2>
        {change.error && !(change.error instanceof ApiError && FORM_FIELDS.includes(change.error.details.field ?? '')) ? <ErrorMessage error={change.error} /> : null}
        {change.isSuccess ? (
          <p className="alert alert-success" role="status">
            Password changed. Your other sessions were signed out.
          </p>
        ) : null}
        <div className="form-grid">
          <div className="form-field">
            <label htmlFor="pw-current">Current password</label>
            <input id="pw-current" type="password" autoComplete="current-password" required value={currentPassword} onChange={(e) => setCurrentPassword(e.target.value)} aria-describedby="pw-current-error" />
            <FieldError id="pw-current-error" error={change.error} field="currentPassword" />
          </div>
          <div className="form-field">
            <label htmlFor="pw-new">New password</label>
            <input id="pw-new" type="password" autoComplete="new-password" required value={newPassword} onChange={(e) => setNewPassword(e.target.value)} aria-describedby="pw-new-hint pw-new-error" />
            <p className="hint" id="pw-new-hint">
              At least 10 characters; not your email or a common password.
            </p>
            <FieldError id="pw-new-error" error={change.error} field="newPassword" />
          </div>
          <div className="form-field">
            <label htmlFor="pw-confirm">Repeat the new password</label>
            <input id="pw-confirm" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} aria-describedby="pw-confirm-error" />
            {mismatch ? (
              <p className="field-error" id="pw-confirm-error" role="alert">
                The two new passwords differ.
              </p>
            ) : null}
          </div>
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={change.isPending}>
            {change.isPending ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </>
  );
}
