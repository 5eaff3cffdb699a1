import { join, resolve } from 'node:path';
import { MigrationError } from '../errors.js';
import { checkpointExists, copyCheckpoint } from './checkpoint.js';
import { renderEnvFile } from './dotenv.js';
import { migrateEnv } from './env.js';
import { migrateMl, ML_FILE } from './ml.js';
import { assertWritable, createOutDir, writeOutput } from './output.js';
import { buildPlatformConfig, PLATFORM_FILE } from './platform.js';
import { configError, readV2File, type Report } from './source.js';
import { migrateStrategies, STRATEGIES_FILE } from './strategies.js';
import { migrateTelegram, TELEGRAM_FILE } from './telegram.js';

export interface MigrateConfigOptions {
  /** The v2 installation's config directory. */
  from: string;
  /** Where v3's files go; created if need be. */
  out: string;
  /** Every trader on the paper exchange instead of v2's exchanges, for a dry trial. */
  paper?: boolean;
  /** Overwrite files already in `out`. */
  force?: boolean;
}

/** What `migrateConfig` did. Nothing in it is a secret: values of keys, passwords and tokens are never shown. */
export interface ConfigMigration {
  /** The files written, under `out`. */
  files: { path: string; what: string }[];
  /** One line per mapping, for people. */
  lines: string[];
  /** What needs a look before v3 runs. */
  warnings: string[];
}

const OUT_ENV = '.env';
const OUT_ML = 'ml_config.yaml';
const CHECKSUMS = 'checksums.sha256';

interface Output {
  name: string;
  what: string;
  text: string;
  mode: number;
}

/**
 * `botv3 migrate config`: converts a v2 installation's config files (`.env` or `env.v2`,
 * strategies.yaml, telegram.yaml, ml_config.json and the model checkpoint) into v3's `.env`,
 * botv3.yaml and ml_config.yaml in `out`. Every input is optional, but one must be there. Everything
 * is read and checked before anything is written; a broken input throws `ERR_V2_CONFIG` naming the
 * file and the field, an output already there `ERR_MIGRATION_TARGET` (unless `force`).
 */
export async function migrateConfig(options: MigrateConfigOptions): Promise<ConfigMigration> {
  const from = resolve(options.from);
  const out = resolve(options.out);
  const force = options.force ?? false;
  if (from === out) throw new MigrationError('ERR_MIGRATION_TARGET', `the output directory is the v2 directory ${from}: v2's own .env would be overwritten`);

  const inputs = await readInputs(from);
  const { outputs, checkpoint, reports } = await convert(from, inputs, options.paper ?? false);

  await assertWritable(out, [...outputs.map((o) => o.name), ...(checkpoint === undefined ? [] : [checkpoint, CHECKSUMS])], force);
  await createOutDir(out);
  for (const output of outputs) await writeOutput(join(out, output.name), output.text, { mode: output.mode, force });
  const files = outputs.map((o) => ({ path: join(options.out, o.name), what: o.what }));
  if (checkpoint !== undefined) {
    const sha256 = await copyCheckpoint(from, out, checkpoint, force);
    // sha256sum's format, so `sha256sum -c checksums.sha256` in the output directory checks the copy.
    await writeOutput(join(out, CHECKSUMS), `${sha256}  ${checkpoint}\n`, { mode: 0o644, force });
    files.push({ path: join(options.out, checkpoint), what: 'model checkpoint (copy, sha256 checked)' }, { path: join(options.out, CHECKSUMS), what: 'sha256 of the copied model files' });
    reports.push({ lines: [`checkpoint ${checkpoint}: copied, sha256 ${sha256}`], warnings: [] });
  }
  return { files, lines: [...inputs.lines, ...reports.flatMap((r) => r.lines)], warnings: reports.flatMap((r) => r.warnings) };
}

interface Inputs {
  env?: { file: string; text: string };
  strategies?: string;
  telegram?: string;
  ml?: string;
  /** Which files were read and which skipped. */
  lines: string[];
}

async function readInputs(from: string): Promise<Inputs> {
  const [dotEnv, envV2, strategies, telegram, ml] = await Promise.all(['.env', 'env.v2', STRATEGIES_FILE, TELEGRAM_FILE, ML_FILE].map((name) => readV2File(from, name)));
  const inputs: Inputs = { lines: [] };
  if (dotEnv !== undefined) inputs.env = { file: '.env', text: dotEnv };
  else if (envV2 !== undefined) inputs.env = { file: 'env.v2', text: envV2 };
  if (strategies !== undefined) inputs.strategies = strategies;
  if (telegram !== undefined) inputs.telegram = telegram;
  if (ml !== undefined) inputs.ml = ml;
  if (!inputs.env && !inputs.strategies && !inputs.telegram && !inputs.ml) {
    throw new MigrationError('ERR_V2_CONFIG', `${from} has none of v2's config files (.env, env.v2, ${STRATEGIES_FILE}, ${TELEGRAM_FILE}, ${ML_FILE})`);
  }
  inputs.lines.push(inputs.env ? `${inputs.env.file} read${dotEnv !== undefined && envV2 !== undefined ? ' (env.v2 not read: .env comes first)' : ''}` : '.env and env.v2 absent, skipped');
  for (const [name, text] of [[STRATEGIES_FILE, strategies], [TELEGRAM_FILE, telegram], [ML_FILE, ml]] as const) {
    if (text === undefined) inputs.lines.push(`${name} absent, skipped`);
  }
  return inputs;
}

/** Every output's text, checked, and the checkpoint to copy: nothing is written until all is known good. */
async function convert(from: string, inputs: Inputs, paper: boolean): Promise<{ outputs: Output[]; checkpoint?: string; reports: Report[] }> {
  const telegram = inputs.telegram === undefined ? undefined : migrateTelegram(inputs.telegram);
  const env = migrateEnv(inputs.env, telegram?.token);
  const strategies = inputs.strategies === undefined ? undefined : migrateStrategies(inputs.strategies);
  const ml = inputs.ml === undefined ? undefined : migrateMl(inputs.ml);
  const reports: Report[] = [env];
  const outputs: Output[] = [];
  if (env.groups.length > 0) outputs.push({ name: OUT_ENV, what: 'environment: database URLs, keys and tokens (mode 600)', text: renderEnvFile(env.groups), mode: 0o600 });

  if (strategies) {
    const platform = buildPlatformConfig({
      strategies,
      paper,
      keyedExchanges: env.keyedExchanges,
      ...(env.apiPort === undefined ? {} : { apiPort: env.apiPort }),
      ...(telegram ? { telegram: telegram.section } : {}),
    });
    reports.push(platform);
    outputs.push({ name: PLATFORM_FILE, what: `platform config: ${strategies.length} traders`, text: platform.yaml, mode: 0o644 });
  } else {
    const lost = [...(env.apiPort === undefined ? [] : ['WEB_PORT']), ...(telegram ? ['the Telegram chats and notifications'] : [])];
    const notCarried = lost.length > 0 ? ` (${lost.join(' and ')} not carried over)` : '';
    reports.push({ lines: [], warnings: [`no ${PLATFORM_FILE} written: v3's config needs a trader, and ${STRATEGIES_FILE} is absent${notCarried}`] });
  }
  // Without botv3.yaml the Telegram settings went nowhere: only what needs a look is said.
  if (telegram) reports.push(strategies ? telegram : { lines: [], warnings: telegram.warnings });
  if (!ml) return { outputs, reports };

  reports.push(ml);
  outputs.push({ name: OUT_ML, what: 'model config (UnifiedPatchTST)', text: ml.yaml, mode: 0o644 });
  if (ml.checkpoint === undefined) return { outputs, reports };
  if ([...outputs.map((o) => o.name), CHECKSUMS].includes(ml.checkpoint)) throw configError(ML_FILE, 'checkpoint', `${ml.checkpoint} is the name of a file the migration writes`);
  if (await checkpointExists(from, ml.checkpoint)) return { outputs, checkpoint: ml.checkpoint, reports };
  reports.push({
    lines: [`checkpoint ${ml.checkpoint}: missing in ${from}, not copied`],
    warnings: [`the model checkpoint ${ml.checkpoint} is not in ${from}: copy it to the output directory before v3 loads the model`],
  });
  return { outputs, reports };
}
