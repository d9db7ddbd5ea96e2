// A deadline for work that must not hang its caller (a probe or a scrape while the database does
// not answer): the caller gets a DeadlineError after `ms`; the work itself is not cancelled.
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/** `work`, or a DeadlineError naming `what` once `ms` have passed. */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
