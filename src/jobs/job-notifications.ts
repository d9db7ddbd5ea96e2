// Wake-ups across processes for the pg-boss backend: PostgreSQL LISTEN/NOTIFY as a hint, not
// a queue. A process that sends a job ready to run notifies one channel with the queue's name
// (`notifyJobSent`, in the sending transaction when there is one, so it is delivered on commit);
// every process that works jobs listens on one connection of its own and tells its workers of
// that queue, which fetch at once instead of at their next poll.
//
// pg-boss still owns the jobs: a notification carries no job and claims nothing. One lost (the
// listener reconnecting, a NOTIFY that failed) costs at most the poll interval, as before; one
// too many costs a fetch that finds nothing. The listening connection reconnects on its own and,
// once back, wakes every worker, since notifications sent meanwhile were lost.
import pg from 'pg';

/** `application_name` of the listening connection (one per process that works jobs). */
export const LISTENER_APPLICATION_NAME = 'hubsync-jobs-listen';

/** Anything that runs a query: a pool, a client inside a transaction. */
interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** Tells listening processes that `queue` has a job ready now. */
export async function notifyJobSent(db: Queryable, channel: string, queue: string): Promise<void> {
  await db.query('select pg_notify($1, $2)', [channel, queue]);
}

export interface JobListenerOptions {
  url: string;
  channel: string;
  /** A job of `queue` was sent (by any process, this one included). */
  onSent: (queue: string) => void;
  /** The connection is (back) up: notifications sent while it was down were lost. */
  onListening: () => void;
  onError: (error: unknown) => void;
  /** Wait before connecting again after the connection failed or was lost; default 1 000 ms. */
  reconnectMs?: number;
}

/** One process's LISTEN connection, kept up until `stop()`. */
export class JobListener {
  readonly #options: JobListenerOptions;
  #client: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #connecting: Promise<void> | undefined;
  #stopped = false;

  constructor(options: JobListenerOptions) {
    this.#options = options;
  }

  /**
   * Connects and listens, unless already listening; a failure is reported and retried in the
   * background, never thrown.
   */
  start(): Promise<void> {
    if (this.#client) return Promise.resolve();
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#connecting;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const { url, channel, onSent, onError } = this.#options;
    const client = new pg.Client({ connectionString: url, application_name: LISTENER_APPLICATION_NAME, keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload) onSent(message.payload);
    });
    client.on('error', (error) => onError(error));
    // A connection lost later (server restart, backend terminated): listen again after a wait.
    client.on('end', () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#reconnectLater();
    });
    try {
      await client.connect();
      await client.query(`listen ${client.escapeIdentifier(channel)}`);
    } catch (error) {
      onError(error);
      await client.end().catch(() => undefined);
      this.#reconnectLater();
      return;
    }
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#options.onListening();
  }

  #reconnectLater(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.start(), this.#options.reconnectMs ?? 1_000);
  }
}
