import Anthropic from '@anthropic-ai/sdk';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import { AiError } from './errors.js';
import { PROMPT_VERSION, SYSTEM_PROMPTS, userPrompt } from './prompts.js';
import { describeSubject, type ReviewSubject } from './subject.js';
import { verdictSchema, type Opinion, type ReviewerRole } from './verdict.js';

/** One of the two reviews of an order. */
export interface Reviewer {
  readonly role: ReviewerRole;
  readonly model: string;
  review(subject: ReviewSubject, signal?: AbortSignal): Promise<Opinion>;
}

const FORMAT = zodOutputFormat(verdictSchema);

/**
 * A reviewer prompt on a Claude model, through the Messages API with structured output. The SDK
 * keeps the request timeout and retries 429, 5xx and 529 (overloaded) with backoff, honouring
 * `retry-after`; what is left after its retries is turned into an {@link AiError}.
 */
export class ClaudeReviewer implements Reviewer {
  readonly role: ReviewerRole;
  readonly model: string;
  readonly #client: Anthropic;
  readonly #maxTokens: number;

  constructor(client: Anthropic, options: { role: ReviewerRole; model: string; maxTokens: number }) {
    this.#client = client;
    this.role = options.role;
    this.model = options.model;
    this.#maxTokens = options.maxTokens;
  }

  async review(subject: ReviewSubject, signal?: AbortSignal): Promise<Opinion> {
    const started = performance.now();
    let message: Anthropic.Message;
    try {
      // `create`, not `parse`: a reply that breaks the schema still reports the tokens it cost.
      message = await this.#client.messages.create(
        {
          model: this.model,
          max_tokens: this.#maxTokens,
          system: SYSTEM_PROMPTS[this.role],
          messages: [{ role: 'user', content: userPrompt(describeSubject(subject)) }],
          output_config: { format: { type: FORMAT.type, schema: FORMAT.schema } },
        },
        signal ? { signal } : undefined,
      );
    } catch (error) {
      throw apiFailure(error);
    }
    const usage = { inputTokens: message.usage?.input_tokens ?? 0, outputTokens: message.usage?.output_tokens ?? 0 };
    const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AiError('ERR_AI_MALFORMED', `${this.model} answered with text that is not JSON: ${JSON.stringify(text.slice(0, 120))}`, { usage });
    }
    const verdict = verdictSchema.safeParse(json);
    if (!verdict.success) {
      const issue = verdict.error.issues[0]!;
      throw new AiError('ERR_AI_MALFORMED', `${this.model} answered with a verdict whose ${issue.path.join('.') || 'value'} is wrong: ${issue.message}`, { usage });
    }
    return { ...verdict.data, reviewer: this.role, model: this.model, promptVersion: PROMPT_VERSION, latencyMs: Math.round(performance.now() - started), ...usage };
  }
}

function apiFailure(error: unknown): AiError {
  if (error instanceof Anthropic.APIUserAbortError) return new AiError('ERR_AI_ABORTED', 'review abandoned: its deadline passed', { cause: error });
  if (error instanceof Anthropic.APIConnectionTimeoutError) return new AiError('ERR_AI_TIMEOUT', 'the Messages API did not answer in time', { cause: error });
  if (error instanceof Anthropic.APIError) {
    const status = error.status;
    const message = status === undefined ? `cannot reach the Messages API: ${error.message}` : `the Messages API answered ${status}: ${errorType(error)}`;
    return new AiError('ERR_AI_API', message, { cause: error, ...(status !== undefined ? { status } : {}) });
  }
  return new AiError('ERR_AI_API', (error as Error).message, { cause: error });
}

/** The API's own error type (`overloaded_error`, `rate_limit_error`), never the request (it holds the key's headers). */
function errorType(error: InstanceType<typeof Anthropic.APIError>): string {
  const body = error.error as { error?: { type?: string; message?: string } } | undefined;
  return [body?.error?.type, body?.error?.message].filter(Boolean).join(': ') || 'error';
}
