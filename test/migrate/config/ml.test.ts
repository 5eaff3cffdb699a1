import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { migrateMl } from '../../../migrate/config/ml.js';
import { MigrationError } from '../../../migrate/errors.js';
import { FIXTURE, V3_ML_CONFIG } from './fixtures.js';

function failure(text: string): MigrationError {
  try {
    migrateMl(text);
  } catch (error) {
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('ERR_V2_CONFIG');
    return error as MigrationError;
  }
  throw new Error('expected migrateMl to fail');
}

const config = (fields: Record<string, unknown>) => JSON.stringify({ features: 240, predictions: 20, lookback: 96, ...fields });

describe('migrateMl', () => {
  test("maps the fixture to v3's model config", () => {
    const migration = migrateMl(readFileSync(join(FIXTURE, 'ml_config.json'), 'utf8'));
    expect(parse(migration.yaml)).toEqual(V3_ML_CONFIG);
    expect(migration.yaml).toMatch(/^# BOT Trading v3 model config/);
    expect(migration.checkpoint).toBe('models/best_model_checkpoint.pth');
    expect(migration.lines).toEqual([
      'ml_config.json features 240, predictions 20, lookback 96 -> ml_config.yaml input_features, output_dim, context_length (UnifiedPatchTST: patch_length 8, hidden_dim 256, n_heads 8, n_layers 3)',
    ]);
  });

  test('leaves out what v2 did not set, and normalizes the checkpoint path', () => {
    const migration = migrateMl(config({ checkpoint: './models//v2\\best.pth' }));
    expect(migration.checkpoint).toBe('models/v2/best.pth');
    expect(Object.keys(parse(migration.yaml))).toEqual(['model_type', 'input_features', 'output_dim', 'context_length', 'patch_length', 'hidden_dim', 'n_heads', 'n_layers', 'checkpoint']);
    expect(migrateMl(config({})).checkpoint).toBeUndefined();
  });

  test.each([
    ['non-integer features', config({ features: 240.5 }), 'ml_config.json: features: expected a positive integer'],
    ['features as text', config({ features: '240' }), 'ml_config.json: features: expected a positive integer'],
    ['no lookback', config({ lookback: undefined }), 'ml_config.json: lookback: expected a positive integer'],
    ['zero predictions', config({ predictions: 0 }), 'ml_config.json: predictions: expected a positive integer'],
    ['a checkpoint outside the v2 directory', config({ checkpoint: 'models/../../secrets.pth' }), 'ml_config.json: checkpoint: must be a file path inside the v2 directory, such as models/best_model_checkpoint.pth'],
    ['an absolute checkpoint path', config({ checkpoint: '/srv/models/best.pth' }), 'ml_config.json: checkpoint: must be a file path inside the v2 directory, such as models/best_model_checkpoint.pth'],
    ['a field v3 has no place for', config({ learning_rate: 0.001 }), 'ml_config.json: learning_rate: unknown field: v3 has no place for it (remove it to migrate)'],
  ])('%s is an error naming the field', (_what, text, message) => {
    expect(failure(text).message).toBe(message);
  });

  test('broken JSON is an error naming the file', () => {
    expect(failure('{"features": 240,').message).toMatch(/^ml_config\.json: not valid JSON \(/);
  });
});
