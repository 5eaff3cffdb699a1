import type { AiConfig } from '../adapters/config/schema.js';
import { TradingError } from '../actors/trading/errors.js';
import type { Reviewer } from './claude.js';
import { OfflineReviewer } from './offline.js';
import { ReviewService } from './service.js';

/** Environment variables holding the API key, in order: v3's name, then v2's. */
export const API_KEY_VARIABLES = ['ANTHROPIC_API_KEY', 'CLAUDE_API_KEY'] as const;

export interface ReviewerChoice {
  kind: 'claude' | 'offline';
  /** `risk: claude-sonnet-5-5, market: claude-haiku-5-5`, or the offline rules. */
  describe: string;
}

/** Which reviewer `config` gets in environment `env`; `claude` without a key is a config error naming the variable. */
export function chooseReviewer(config: AiConfig, env: NodeJS.ProcessEnv): ReviewerChoice & { apiKey?: string } {
  const apiKey = API_KEY_VARIABLES.map((name) => env[name]).find((value) => value !== undefined && value !== '');
  if (config.reviewer === 'claude' && apiKey === undefined) {
    throw new TradingError('ERR_INVALID_CONFIG', `ai.reviewer is claude but neither ${API_KEY_VARIABLES.join(' nor ')} is set`, { field: 'ai.reviewer' });
  }
  if (config.reviewer === 'offline' || apiKey === undefined) return { kind: 'offline', describe: 'rules for risk and market, no API key' };
  return { kind: 'claude', describe: config.reviewers.map((r) => `${r.prompt}: ${r.model}`).join(', '), apiKey };
}

/**
 * The review service of `config`: two Claude reviews through the SDK, or the offline rules. The SDK
 * is loaded only for Claude: a platform without a key never pays for it.
 */
export async function createReviewService(config: AiConfig, env: NodeJS.ProcessEnv = process.env): Promise<{ service: ReviewService; choice: ReviewerChoice }> {
  const { apiKey, ...choice } = chooseReviewer(config, env);
  const common = { minConfidence: config.minConfidence, concurrency: config.concurrency, cacheSize: config.cacheSize };
  if (apiKey === undefined) {
    return { service: new ReviewService({ ...common, reviewers: [new OfflineReviewer('risk'), new OfflineReviewer('market')] }), choice };
  }
  const [{ default: Anthropic }, { ClaudeReviewer }] = await Promise.all([import('@anthropic-ai/sdk'), import('./claude.js')]);
  const client = new Anthropic({ apiKey, timeout: config.timeoutMs, maxRetries: config.retries, ...(config.baseUrl !== undefined ? { baseURL: config.baseUrl } : {}) });
  const [a, b] = config.reviewers.map((r): Reviewer => new ClaudeReviewer(client, { role: r.prompt, model: r.model, maxTokens: config.maxTokens })) as [Reviewer, Reviewer];
  return { service: new ReviewService({ ...common, reviewers: [a, b], metered: { budget: config.budget, breaker: config.breaker } }), choice };
}
