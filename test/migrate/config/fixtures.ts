import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { onTestFinished } from 'vitest';

/** The sample v2 installation's config directory. */
export const FIXTURE = fileURLToPath(new URL('../../fixtures/v2/config/', import.meta.url));

export const CHECKPOINT = 'models/best_model_checkpoint.pth';
/** A stand-in for a model checkpoint: every byte value, so a copy that changes any would show. */
export const CHECKPOINT_BYTES = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));

/** The fixture's `ml_config.json` as v3's `ml_config.yaml`. */
export const V3_ML_CONFIG = {
  model_type: 'UnifiedPatchTST',
  model_name: 'patchtst_v2',
  input_features: 240,
  output_dim: 20,
  context_length: 96,
  patch_length: 8,
  hidden_dim: 256,
  n_heads: 8,
  n_layers: 3,
  checkpoint: CHECKPOINT,
  device: 'cuda',
};

/** Every secret of the fixture: its passwords, keys, secrets, passphrase and bot token. */
export const SECRETS: readonly string[] = (() => {
  const env = parseEnv(readFileSync(join(FIXTURE, 'env.v2'), 'utf8'));
  const names = Object.keys(env).filter((name) => /PASSWORD|_KEY|_SECRET|PASSPHRASE/.test(name));
  const token = (parse(readFileSync(join(FIXTURE, 'telegram.yaml'), 'utf8')) as { bot_token: string }).bot_token;
  return [...names.map((name) => env[name]!), token];
})();

/**
 * A copy of the fixture in a fresh temp directory (removed after the test): `from` is the v2
 * directory, `out` an output path not created yet. `checkpoint` adds a fake model checkpoint.
 */
export async function v2Install(options: { checkpoint?: boolean } = {}): Promise<{ from: string; out: string }> {
  const root = await mkdtemp(join(tmpdir(), 'botv3-migrate-config-'));
  onTestFinished(() => rm(root, { recursive: true, force: true }));
  const from = join(root, 'v2');
  await cp(FIXTURE, from, { recursive: true });
  if (options.checkpoint) {
    await mkdir(join(from, 'models'));
    await writeFile(join(from, CHECKPOINT), CHECKPOINT_BYTES);
  }
  return { from, out: join(root, 'v3') };
}

/** A fresh temp directory (removed after the test). */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'botv3-migrate-config-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
