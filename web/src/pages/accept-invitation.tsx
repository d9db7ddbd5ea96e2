// Accepting an invitation: the link an admin passed on (/invitations/accept#token=…; the token
// stays in the fragment, so it never reaches a server log). Signed in, one button adds the
// workspace to this account; signed out, the invitee either creates an account (name and
// password) or gives the password of the account they already have.
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { api, ApiError, setCsrfToken } from '../api/client.js';
import type { InvitationAccepted, Me } from '../api/types.js';
import { ErrorMessage, FieldError } from '../components/ui.js';
import { ME_KEY, useAdoptSession } from '../session.js';

function tokenFromHash(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
}

export function AcceptInvitationPage({ me }: { me: Me | null }) {
  const location = useLocation();
  const navigate = useNavigate();
  const adopt = useAdoptSession();
  const client = useQueryClient();
  const token = tokenFromHash(location.hash);
  const [hasAccount, setHasAccount] = useState(false);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = me ? { token } : hasAccount ? { token, password } : { token, name, password };
      const accepted = adopt(await api<InvitationAccepted>('POST', '/api/invitations/accept', body));
      navigate(`/w/${encodeURIComponent(accepted.joined.slug)}/customers`, { replace: true });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  // The invitation is for another email: sign out here, and this page (the link's token kept in
  // the address) asks for that account's password or a new account instead.
  const switchAccount = async () => {
    try {
      await api('POST', '/api/auth/logout');
    } finally {
      setCsrfToken('');
      client.clear();
      client.setQueryData(ME_KEY, null);
    }
  };

  const fieldErrors = error instanceof ApiError && ['name', 'password'].includes(error.details.field ?? '');
  return (
    <main className="sign-in" id="main">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="accept-title">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            ⟳
          </span>
          hubsync
        </div>
        <h1 id="accept-title">Join a workspace</h1>
        {!token ? (
          <ErrorMessage error={new Error('This link has no invitation token. Open the whole link you were given.')} />
        ) : (
          <>
            {fieldErrors ? null : <ErrorMessage error={error} />}
            {me ? (
              <p>
                You are signed in as <strong>{me.user.email}</strong>. Accept the invitation to add the workspace to this account.
              </p>
            ) : (
              <>
                <div className="form-field">
                  <label>
                    <input type="checkbox" checked={hasAccount} onChange={(e) => setHasAccount(e.target.checked)} /> I already have a hubsync account
                  </label>
                </div>
                {hasAccount ? null : (
                  <div className="form-field">
                    <label htmlFor="accept-name">Your name</label>
                    <input id="accept-name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} aria-describedby="accept-name-error" />
                    <FieldError id="accept-name-error" error={error} field="name" />
                  </div>
                )}
                <div className="form-field">
                  <label htmlFor="accept-password">{hasAccount ? 'Your password' : 'Choose a password'}</label>
                  <input
                    id="accept-password"
                    type="password"
                    autoComplete={hasAccount ? 'current-password' : 'new-password'}
                    required
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                    aria-describedby="accept-password-hint accept-password-error"
                  />
                  {hasAccount ? null : (
                    <p className="hint" id="accept-password-hint">
                      At least 10 characters; not your email or a common password.
                    </p>
                  )}
                  <FieldError id="accept-password-error" error={error} field="password" />
                </div>
              </>
            )}
            <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
              {busy ? 'Accepting…' : 'Accept invitation'}
            </button>
            {me ? (
              <button type="button" className="btn btn-ghost btn-block" onClick={() => void switchAccount()}>
                Use another account
              </button>
            ) : null}
          </>
        )}
      </form>
    </main>
  );
}
