// Choosing a new password with the one-time link an admin passed on (/password-reset#token=…;
// the token stays in the fragment, so it never reaches a server log). Open without signing in.
// Afterwards every session of the account has ended, so the person signs in again.
import { useState, type FormEvent } from 'react';
import { useLocation } from 'react-router';
import { api, ApiError } from '../api/client.js';
import { ErrorMessage, FieldError } from '../components/ui.js';

function tokenFromHash(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
}

export function ResetPasswordPage() {
  const location = useLocation();
  const token = tokenFromHash(location.hash);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setMismatch(password !== confirm);
    if (password !== confirm) return;
    setBusy(true);
    setError(null);
    try {
      await api<void>('POST', '/api/password-resets/accept', { token, password });
      setDone(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = error instanceof ApiError && error.details.field === 'password';
  return (
    <main className="sign-in" id="main">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="reset-title">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            ⟳
          </span>
          hubsync
        </div>
        <h1 id="reset-title">Choose a new password</h1>
        {!token ? (
          <ErrorMessage error={new Error('This link has no reset token. Open the whole link you were given.')} />
        ) : done ? (
          <>
            <p className="alert alert-success" role="status">
              Your password is set. Every session of your account was signed out.
            </p>
            {/* A full page load, so the app re-reads who is signed in (nobody, if it was you). */}
            <a className="btn btn-primary btn-block" href="/sign-in">
              Sign in
            </a>
          </>
        ) : (
          <>
            {fieldError ? null : <ErrorMessage error={error} />}
            <div className="form-field">
              <label htmlFor="reset-password">New password</label>
              <input
                id="reset-password"
                type="password"
                autoComplete="new-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                aria-describedby="reset-password-hint reset-password-error"
              />
              <p className="hint" id="reset-password-hint">
                At least 10 characters; not your email or a common password.
              </p>
              <FieldError id="reset-password-error" error={error} field="password" />
            </div>
            <div className="form-field">
              <label htmlFor="reset-confirm">Repeat the new password</label>
              <input id="reset-confirm" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} aria-describedby="reset-confirm-error" />
              {mismatch ? (
                <p className="field-error" id="reset-confirm-error" role="alert">
                  The two passwords differ.
                </p>
              ) : null}
            </div>
            <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
              {busy ? 'Saving…' : 'Set new password'}
            </button>
          </>
        )}
      </form>
    </main>
  );
}
