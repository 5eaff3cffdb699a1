import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { botv3, CLI_TEST, exitOf } from '../../helpers/cli.js';
import { NATS_URL, natsReachable } from '../../helpers/cluster-nodes.js';

const nats = await natsReachable();
const run = async (args: string[], env: NodeJS.ProcessEnv = {}) =>
  exitOf(botv3(args, { env: { ...process.env, DATABASE_URL: '', BOTV3_DATA_DIR: await mkdtemp(join(tmpdir(), 'botv3-data-')), ...env } }));

describe('botv3 start --cluster and botv3 cluster: bad input is refused by name', CLI_TEST, () => {
  test.each([
    ['--node without --cluster', ['start', '--node', 'n1'], /--node names a cluster node: give --cluster too/],
    ['a node id that is no subject token', ['start', '--cluster', NATS_URL, '--node', 'a.b'], /a node id is 1 to 48 letters, digits, _ and -, got "a\.b"/],
    ['a server that is no NATS URL', ['start', '--cluster', 'http://127.0.0.1:4222'], /--cluster takes NATS URLs such as nats:\/\/127\.0\.0\.1:4222, got "http:\/\/127\.0\.0\.1:4222"/],
    ['a cluster without a shared database', ['start', '--cluster', NATS_URL, '--node', 'n1', '--duration', '1'], /--cluster: the nodes of a cluster share one database: set DATABASE_URL/],
  ])('%s', async (_, args, message) => {
    const { code, stderr } = await run(args);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
  });

  test.skipIf(!nats)('draining a node that is not running says so', async () => {
    const { code, stderr } = await run(['cluster', 'drain', 'nobody', '--cluster', NATS_URL, '--name', `c${process.pid}`, '--timeout', '5']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/cannot drain node "nobody": no such node is running/);
  });
});
