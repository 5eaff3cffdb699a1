import { posix } from 'node:path';
import { Document } from 'yaml';
import { z } from 'zod';
import { configError, parseV2, type Report } from './source.js';

export const ML_FILE = 'ml_config.json';

/** v3's model and the architecture its v2 checkpoints were trained with; v2 left these implicit. */
const ARCHITECTURE = { model_type: 'UnifiedPatchTST', patch_length: 8, hidden_dim: 256, n_heads: 8, n_layers: 3 } as const;

const positiveInt = z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' });

const fileSchema = z.strictObject({
  model_name: z.string().min(1).optional(),
  features: positiveInt,
  predictions: positiveInt,
  lookback: positiveInt,
  // Copied to the same place under the output directory, so it may not leave the v2 directory.
  checkpoint: z
    .string()
    .transform((path) => posix.normalize(path.replace(/\\/g, '/')))
    .refine((path) => !posix.isAbsolute(path) && path !== '.' && path !== '..' && !path.startsWith('../'), 'must be a file path inside the v2 directory, such as models/best_model_checkpoint.pth')
    .optional(),
  device: z.string().min(1).optional(),
});

export interface MlMigration extends Report {
  /** ml_config.yaml's text. */
  yaml: string;
  /** The model checkpoint's path, relative to the v2 directory (and to the output). */
  checkpoint?: string;
}

/** Turns v2's ml_config.json into v3's ml_config.yaml, naming the bad field on error. */
export function migrateMl(text: string): MlMigration {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw configError(ML_FILE, '', `not valid JSON (${(cause as Error).message})`, cause);
  }
  const v2 = parseV2(ML_FILE, fileSchema, data);
  const doc = new Document({
    model_type: ARCHITECTURE.model_type,
    ...(v2.model_name === undefined ? {} : { model_name: v2.model_name }),
    input_features: v2.features,
    output_dim: v2.predictions,
    context_length: v2.lookback,
    patch_length: ARCHITECTURE.patch_length,
    hidden_dim: ARCHITECTURE.hidden_dim,
    n_heads: ARCHITECTURE.n_heads,
    n_layers: ARCHITECTURE.n_layers,
    ...(v2.checkpoint === undefined ? {} : { checkpoint: v2.checkpoint }),
    ...(v2.device === undefined ? {} : { device: v2.device }),
  });
  doc.commentBefore = " BOT Trading v3 model config, written by `botv3 migrate config` from v2's ml_config.json.\n checkpoint is relative to this file's directory.";
  const architecture = `${ARCHITECTURE.model_type}: patch_length ${ARCHITECTURE.patch_length}, hidden_dim ${ARCHITECTURE.hidden_dim}, n_heads ${ARCHITECTURE.n_heads}, n_layers ${ARCHITECTURE.n_layers}`;
  return {
    yaml: doc.toString(),
    ...(v2.checkpoint === undefined ? {} : { checkpoint: v2.checkpoint }),
    lines: [`ml_config.json features ${v2.features}, predictions ${v2.predictions}, lookback ${v2.lookback} -> ml_config.yaml input_features, output_dim, context_length (${architecture})`],
    warnings: [],
  };
}
