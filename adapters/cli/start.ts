import { pino } from 'pino';
import { moduleUrl } from '../../runtime/module-url.js';
import { ActorSystem } from '../../runtime/system.js';

export interface StartOptions {
  /** How often the demo pulse fires. */
  pulseMs: number;
  /** How often a summary line is printed. */
  summaryMs: number;
  /** Stop by itself after this many seconds (smoke tests); runs until Ctrl-C when absent. */
  durationS?: number;
  version: string;
  out?: NodeJS.WritableStream;
}

/**
 * `botv3 start`: boots the actor system. Until the trading core lands it runs a demo: a pulse actor and a
 * tally actor, each in its own worker thread, talking through the supervisor.
 */
export async function start(options: StartOptions): Promise<void> {
  const out = options.out ?? process.stdout;
  const print = (line: string) => out.write(`${line}\n`);
  const system = await ActorSystem.start(
    {
      id: 'root',
      strategy: 'one_for_one',
      children: [
        { id: 'demo.tally', module: moduleUrl('../../actors/demo/tally', import.meta.url) },
        {
          id: 'demo.pulse',
          module: moduleUrl('../../actors/demo/pulse', import.meta.url),
          args: { to: 'demo.tally', everyMs: options.pulseMs, burst: 100 },
        },
      ],
    },
    { logger: pino({ level: process.env.LOG_LEVEL ?? 'warn' }) },
  );
  const actors = system.status().actors;
  print(`BOT Trading v3 ${options.version} - actor runtime`);
  print('Demo mode: the trading core is not built yet, so this runs a demo pulse -> tally pair instead of traders.');
  print(`Actors: ${actors.map((a) => `${a.address} (${a.placement} thread ${a.threadId ?? 'main'})`).join(', ')}`);
  print('Press Ctrl-C to stop.');

  const summary = setInterval(() => {
    void system
      .request<{ received: number; gaps: number }>('demo.tally', { type: 'get' })
      .then((tally) => {
        const status = system.status();
        const restarts = status.actors.reduce((sum, a) => sum + a.restarts, 0);
        print(
          `[${Math.round(status.uptimeMs / 1000)}s] actors running ${status.actors.filter((a) => a.state === 'running').length}/${status.actors.length}` +
            `, pulses received ${tally.received}, gaps ${tally.gaps}, restarts ${restarts}, dead letters ${status.deadLetters.total}`,
        );
      })
      .catch(() => {});
  }, options.summaryMs);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (options.durationS !== undefined) setTimeout(resolve, options.durationS * 1000);
  });
  clearInterval(summary);
  print('Shutting down: draining mailboxes...');
  const report = await system.shutdown();
  const tally = system.snapshot('demo.tally') as { received: number; gaps: number };
  print(`Stopped. Mailboxes drained: ${report.drained}. Pulses received: ${tally.received}, gaps: ${tally.gaps}.`);
}
