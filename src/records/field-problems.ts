// A field that failed validation, and the one 400 every record type answers for a list of them:
// the message names the first field, `details.problems` lists them all.
import { AppError } from '../lib/index.js';

export interface FieldProblem {
  field: string;
  message: string;
}

export function problemsError(problems: FieldProblem[]): AppError {
  const first = problems[0]!;
  const message =
    problems.length === 1 ? `${first.field} ${first.message}` : `${problems.length} fields are invalid; first: ${first.field} ${first.message}`;
  return new AppError('VALIDATION_FAILED', message, { field: first.field, problems });
}
