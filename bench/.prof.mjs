import { pino } from '/work/main/node_modules/pino/pino.js';
import { ActorSystem } from '/work/main/dist/runtime/system.js';
const system = await ActorSystem.start({ id: 'root', children: [{ id: 'c', module: '/work/main/dist/bench/actors/counter.js', mailbox: { capacity: 200000 } }] }, { logger: pino({ level: 'silent' }) });
const msg = { type: 'm', n: 1 };
const t0 = performance.now();
let sent = 0;
while (performance.now() - t0 < 4000) {
  for (let k = 0; k < 20000; k++) { sent++; if (!system.send('c', msg)) { await system.drained('c'); break; } }
  await new Promise(r => setImmediate(r));
}
const acked = system.status().actors[0].mailbox.acknowledged;
console.log('rate', Math.round(acked / ((performance.now() - t0) / 1000)));
await system.shutdown();
