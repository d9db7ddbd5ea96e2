// What every "create something" form shares (a new customer, organization or deal, an invitation,
// an API key): the POST as a mutation, what to do with the answer (open the new record's page,
// show a one-time secret, empty the inputs), Enter / the submit button sending the body, and
// which error goes where — a problem with one of the form's own fields is shown next to that
// field (FieldError), any other above the form (ErrorMessage).
import { useMutation } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { ApiError } from '../api/client.js';

/** The fields an error names (details.field, details.problems[].field). */
function errorFields(error: unknown): string[] {
  if (!(error instanceof ApiError)) return [];
  return [...(error.details.field ? [error.details.field] : []), ...(error.details.problems ?? []).map((p) => p.field)];
}

/**
 * A create form's state: `submit(body)` is its onSubmit (the body is built when the form is sent),
 * `error` the API's answer while it is wrong, `formError` that error unless every field it names
 * is shown by the form (`shows`), `busy` while the POST runs.
 *
 * @example const form = useCreateForm({ send: (body) => api<Deal>('POST', path, body), onCreated: (deal) => navigate(pathOf(deal)) });
 */
export function useCreateForm<T, B = Record<string, unknown>>(options: {
  send: (body: B) => Promise<T>;
  onCreated: (created: T) => void;
  /** Whether the form shows this field's error next to its input (default: every field it names). */
  shows?: (field: string) => boolean;
}) {
  const { send, onCreated, shows = () => true } = options;
  const mutation = useMutation({ mutationFn: send, onSuccess: onCreated });
  const fields = errorFields(mutation.error);
  return {
    error: mutation.error,
    formError: fields.length > 0 && fields.every(shows) ? null : mutation.error,
    busy: mutation.isPending,
    submit: (body: () => B) => (event: FormEvent) => {
      event.preventDefault();
      mutation.mutate(body());
    },
    reset: mutation.reset,
  };
}
