import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { clusterNames } from '../../adapters/cluster/options.js';

/** The NATS with JetStream that `.ci/run` starts (and the machines run). */
export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Whether NATS answers at `url`: the cluster tests need it and a PostgreSQL server (`TEST_DATABASE_URL`). */
export async function natsReachable(url = NATS_URL): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: 2_000, reconnect: false });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

/** A node process of a test cluster. */
export interface NodeProcess {
  id: string;
  /** Its API, `http://127.0.0.1:PORT`. */
  url: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output: string[];
  /** Resolves with its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** `kill -9`. */
  kill(): void;
  /** Freezes every thread of it (`SIGSTOP`), as a stalled machine or a paused VM does, and thaws it (`SIGCONT`). */
  freeze(): void;
  thaw(): void;
  /** Ctrl-C: it hands its traders over and stops; resolves with its exit code. */
  stop(): Promise<number | null>;
}

export interface TestCluster {
  /** Its NATS names start with this: unique per cluster, so clusters of parallel tests never meet. */
  name: string;
  dir: string;
  configPath: string;
  /** An admin token every node accepts (they share the data directory's token file). */
  token: string;
  nodes: Map<string, NodeProcess>;
  /** Starts node `id`, reaching NATS at `nats` (default `NATS_URL`: a `tcpProxy` to cut it off); resolves once its API answers. */
  start(id: string, options?: { nats?: string }): Promise<NodeProcess>;
  /** Kills every node, deletes the cluster's stream and buckets, and its data directory. */
  close(): Promise<void>;
}

/**
 * A cluster of `botv3 start --cluster` processes for tests and the `cluster` benchmark: `config` (the
 * config file's format) gets a `cluster` section with a unique name and `cluster` timings; every node
 * shares one data directory (token file) and `databaseUrl`. `cli` is the built CLI's path.
 */
export async function testCluster(options: { cli: string; config: Record<string, unknown>; databaseUrl: string; cluster?: Record<string, unknown>; env?: NodeJS.ProcessEnv }): Promise<TestCluster> {
  const name = `t${randomBytes(5).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'botv3-cluster-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ ...options.config, cluster: { name, ...options.cluster } }));
  const env = { ...process.env, ...options.env, DATABASE_URL: options.databaseUrl, BOTV3_DATA_DIR: dir, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const token = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [options.cli, 'tokens', 'create', '--name', 'test', '--scopes', 'admin'], { env });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out.split('\n')[0]!.trim()) : reject(new Error(`tokens create exited with ${code}`))));
  });
  const nodes = new Map<string, NodeProcess>();
  // Every process started, a node restarted under its id (or one that never answered) included: `close` kills them all.
  const children = new Set<ChildProcess>();

  const start = (id: string, startOptions: { nats?: string } = {}): Promise<NodeProcess> => {
    const child = spawn(process.execPath, [options.cli, 'start', '-c', configPath, '--cluster', startOptions.nats ?? NATS_URL, '--node', id, '--port', '0', '--summary-ms', '3600000'], { env });
    const output: string[] = [];
    children.add(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
    return new Promise((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        output.push(line);
        const api = /^API: (http:\/\/\S+)\/api\/v1 /.exec(line);
        if (!api) return;
        const node: NodeProcess = {
          id,
          url: api[1]!,
          child,
          output,
          exited,
          kill: () => child.kill('SIGKILL'),
          freeze: () => child.kill('SIGSTOP'),
          thaw: () => child.kill('SIGCONT'),
          stop: () => {
            child.kill('SIGINT');
            return exited;
          },
        };
        nodes.set(id, node);
        resolve(node);
      });
      void exited.then((code) => reject(new Error(`node ${id} exited with ${code} before its API answered:\n${output.join('\n')}`)));
    });
  };

  const close = async () => {
    const running = [...children].filter((child) => child.exitCode === null && child.signalCode === null);
    const exits = running.map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of running) child.kill('SIGKILL');
    await Promise.all(exits);
    const nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    const names = clusterNames(name);
    for (const stream of [names.signals, `KV_${names.leases}`, `KV_${names.nodes}`]) await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
    rmSync(dir, { recursive: true, force: true });
  };

  return { name, dir, configPath, token, nodes, start, close };
}
