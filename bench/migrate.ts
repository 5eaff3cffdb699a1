import { openLanes } from '../migrate/connect.js';
import { runMigration } from '../migrate/data/run.js';
import { validateMigration } from '../migrate/validate/checks.js';
import { fillV2 } from '../test/helpers/v2-database.js';
import { benchDatabase } from './persistence.js';
import type { Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

/**
 * Migrate suite, on the local PostgreSQL (`BENCH_DATABASE_URL`): v2's generator at scale 200,000
 * (about 790,000 rows; 20,000 with `--quick`) migrated into an empty v3 and validated, timed from the
 * first connection to the last check. The generator's own time is not counted.
 */
export async function migrateSuite(options: SuiteOptions): Promise<Figure[]> {
  const scale = options.quick ? 20_000 : 200_000;
  const v2 = await benchDatabase({ schema: false });
  const v3 = await benchDatabase({ schema: false });
  try {
    options.progress(`migrate: generating v2's data at scale ${scale.toLocaleString('en-US')}`);
    await fillV2(v2.url, scale);
    options.progress('migrate: run, then validate');
    const started = performance.now();
    const connections = await openLanes(v2.url, v3.url);
    let rows: number;
    let runSeconds: number;
    let validateSeconds: number;
    try {
      const outcome = await runMigration({ lanes: connections.lanes });
      rows = outcome.tables.reduce((sum, t) => sum + t.total, 0);
      runSeconds = outcome.seconds;
      const validation = await validateMigration(connections.lanes[0].source, connections.lanes[0].target!);
      const failed = validation.checks.filter((c) => !c.ok);
      if (failed.length > 0) throw new Error(`validation failed: ${failed.map((c) => c.name).join(', ')}`);
      validateSeconds = validation.seconds;
    } finally {
      await connections.close();
    }
    const total = (performance.now() - started) / 1000;
    return [
      { suite: 'migrate', name: `v2 rows migrated and validated (scale ${scale.toLocaleString('en-US')}, ${rows.toLocaleString('en-US')} rows)`, value: rows, unit: 'rows' },
      { suite: 'migrate', name: 'rows/s end to end, run and validate', value: rows / total, unit: 'rows/s', goal: { kind: 'min', value: 100_000 } },
      { suite: 'migrate', name: 'rows/s of the run alone', value: rows / runSeconds, unit: 'rows/s' },
      { suite: 'migrate', name: 'validation time', value: validateSeconds, unit: 's' },
    ];
  } finally {
    await v3.drop();
    await v2.drop();
  }
}
