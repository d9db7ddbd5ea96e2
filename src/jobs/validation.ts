// Checks shared by both backends before anything reaches the queue: the payload against its
// definition's schema, a schedule's cron and zone. Failures are VALIDATION_FAILED AppErrors
// naming the field, so an API route that sends a job can let them through unchanged.
import { validationFailed } from '../lib/index.js';
import { assertCron } from './cron.js';
import type { JobDefinition } from './job-definition.js';

export function parsePayload<P>(definition: JobDefinition<P>, payload: P): P {
  const parsed = definition.payload.safeParse(payload);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ');
    throw validationFailed('payload', `${definition.name}: ${problems}`);
  }
  return parsed.data;
}

export function checkCron(cron: string, timezone: string): void {
  try {
    assertCron(cron, timezone);
  } catch (error) {
    throw validationFailed('cron', error instanceof Error ? error.message : String(error));
  }
}
