// Who is signed in and in which workspace: /api/auth/me is the source of truth, cached by
// TanStack Query; signing in or out replaces it. The CSRF token travels with it.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken } from './api/client.js';
import type { Me, WorkspaceMembership } from './api/types.js';

export const ME_KEY = ['me'] as const;

async function fetchMe(): Promise<Me | null> {
  try {
    const me = await api<Me>('GET', '/api/auth/me');
    setCsrfToken(me.csrfToken);
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

interface SessionValue {
  me: Me;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useMeQuery() {
  return useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 60_000, retry: false });
}

export function useSignIn() {
  const adopt = useAdoptSession();
  return async (email: string, password: string): Promise<Me> => adopt(await api<Me>('POST', '/api/auth/login', { email, password }));
}

/** Makes a fresh sign-in's answer (login, accepting an invitation) the current session. */
export function useAdoptSession() {
  const client = useQueryClient();
  return <T extends Me>(me: T): T => {
    setCsrfToken(me.csrfToken);
    client.clear();
    client.setQueryData(ME_KEY, me);
    return me;
  };
}

export function SessionProvider({ me, children }: { me: Me; children: ReactNode }) {
  const client = useQueryClient();
  const signOut = async () => {
    try {
      await api('POST', '/api/auth/logout');
    } finally {
      setCsrfToken('');
      client.clear();
      client.setQueryData(ME_KEY, null);
    }
  };
  return <SessionContext.Provider value={{ me, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The membership for a workspace slug, or undefined when the user is not in it. */
export function useMembership(slug: string | undefined): WorkspaceMembership | undefined {
  const { me } = useSession();
  return me.workspaces.find((w) => w.slug === slug);
}
