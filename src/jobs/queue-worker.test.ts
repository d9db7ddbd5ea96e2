import { describe, expect, it } from 'vitest';
import { JobShutdownError, JobTimeoutError } from './job-definition.js';
import { settlementOf } from './queue-worker.js';

function aborted(reason?: unknown): AbortSignal {
  const controller = new AbortController();
  if (reason !== undefined) controller.abort(reason);
  return controller.signal;
}

describe('how a handler ending becomes a settlement', () => {
  it("completes on a plain return and re-queues on 'continue'", () => {
    expect(settlementOf({ kind: 'resolved', value: undefined }, aborted())).toEqual({ kind: 'completed' });
    expect(settlementOf({ kind: 'resolved', value: 'continue' }, aborted())).toEqual({ kind: 'continue' });
  });

  it('fails a thrown attempt with its message, for retry', () => {
    expect(settlementOf({ kind: 'threw', error: new TypeError('boom') }, aborted())).toEqual({
      kind: 'failed',
      error: 'TypeError: boom',
      permanent: false,
    });
  });

  it('hands the job back after a stop, whether the handler returned, continued or threw', () => {
    const stopped = aborted(new JobShutdownError('stopping'));
    expect(settlementOf({ kind: 'resolved', value: undefined }, stopped)).toEqual({ kind: 'handed-back' });
    expect(settlementOf({ kind: 'resolved', value: 'continue' }, stopped)).toEqual({ kind: 'handed-back' });
    expect(settlementOf({ kind: 'threw', error: new Error('x') }, stopped)).toEqual({ kind: 'handed-back' });
    expect(settlementOf({ kind: 'unresponsive' }, stopped)).toEqual({ kind: 'handed-back' });
  });

  it('counts a timed-out attempt as failed even if the handler then returned', () => {
    const timedOut = aborted(new JobTimeoutError('t timed out after 1000 ms'));
    expect(settlementOf({ kind: 'resolved', value: undefined }, timedOut)).toEqual({
      kind: 'failed',
      error: 't timed out after 1000 ms',
      permanent: false,
    });
  });
});
