// A client held in one process checks that its connection is still the stored one, for another
// process may have disconnected the workspace: at most once a second, however many of its calls
// go at once (a run has eight batches in flight), and it stops once the connection is gone.
// The gateway here stands for a worker process; the service's own API disconnects.
import { join } from 'node:path';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';
import { isAppError, loadSecretBox, systemClock } from '../lib/index.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { HubSpotGateway } from './hubspot-gateway.js';

/** Counts the SELECTs that read `hubspot_connections` through the database it is plugged into. */
class ConnectionReads implements KyselyPlugin {
  count = 0;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (args.node.kind === 'SelectQueryNode' && JSON.stringify(args.node.from).includes('"hubspot_connections"')) this.count++;
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

let sandbox: RunningSandbox;
let ts: TestService;

beforeAll(async () => {
  sandbox = await startSandbox();
  ts = await startTestService({ env: { HUBSPOT_BASE_URL: sandbox.baseUrl } });
});

afterAll(async () => {
  await ts?.close();
  await sandbox?.close();
});

it('reads the stored connection once for calls made together, and stops using it once another process disconnected', async () => {
  const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const { token } = sandbox.control.createPrivateAppToken({});
  expect((await admin.request('PUT', '/api/workspaces/default/hubspot/connection', { accessToken: token })).status).toBe(200);
  const { id: workspaceId } = await ts.service.database.db.selectFrom('workspaces').select('id').where('slug', '=', 'default').executeTakeFirstOrThrow();

  const reads = new ConnectionReads();
  const worker = new HubSpotGateway({
    db: ts.service.database.db.withPlugin(reads),
    clock: systemClock,
    secrets: loadSecretBox({ secretKey: ts.config.secretKey, keyFile: join(ts.config.dataDir, 'secret.key') }),
    baseUrl: sandbox.baseUrl,
    oauth: undefined,
  });
  const client = await worker.clientFor(workspaceId);
  reads.count = 0;
  await Promise.all(Array.from({ length: 8 }, () => client.account.details()));
  expect(reads.count).toBe(1);

  expect((await admin.request('DELETE', '/api/workspaces/default/hubspot/connection')).status).toBe(204);
  // Past the second after which the client reads the connection again.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const calls = await Promise.allSettled(Array.from({ length: 8 }, () => client.account.details()));
  expect(calls.every((c) => c.status === 'rejected' && isAppError(c.reason) && c.reason.code === 'HUBSPOT_NOT_CONNECTED')).toBe(true);
  expect(reads.count).toBe(2);
  await client.close();
});
