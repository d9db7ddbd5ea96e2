// A record's owner (`ownerUserId`): a local user, member of the record's workspace, or null.
// Shared by the record types whose owner is a plain field (customers, organizations): the
// value's shape is checked with the other fields (pure), membership by the service, which can
// read the database.
import type { Db } from '../store/index.js';
import { findMembership } from '../store/index.js';
import { validateText, type FieldResult } from './fields.js';
import type { FieldProblem } from './record-input.js';

export const OWNER_FIELD = 'ownerUserId';

/** A user id: text (blank clears); whether it names a member of the workspace is `ownerProblems`. */
export function validateOwnerUserId(raw: unknown): FieldResult<string | null> {
  return validateText(raw, 100);
}

/** The owner named in `input`, if any, must be a member of the workspace (an API key cannot name a stranger). */
export async function ownerProblems(db: Db, workspaceId: string, input: Record<string, unknown>): Promise<FieldProblem[]> {
  const owner = input[OWNER_FIELD];
  if (typeof owner !== 'string' || owner.trim() === '') return [];
  return (await findMembership(db, workspaceId, owner.trim())) ? [] : [{ field: OWNER_FIELD, message: 'is not a member of this workspace' }];
}
