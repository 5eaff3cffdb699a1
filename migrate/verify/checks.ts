import { z } from 'zod';
import { getJson, httpProblem, type ApiAnswer } from './http.js';
import { CheckFailure, fail, oneLine, pass, type Outcome } from './row.js';

/** What the API checks share: where the API is, the token, the timeout, and one `/system/status` answer. */
export interface ApiContext {
  /** The URL of `path` under the API; throws a `CheckFailure` when `--api` is not a usable URL. */
  url(path: string): string;
  token: string | undefined;
  timeoutMs: number;
  /** GET `/api/v1/system/status`, asked once for the checks that read it. */
  status(): Promise<ApiAnswer>;
  /** What is left of the checks' time (at least a little), for a request made after another. */
  remainingMs(): number;
}

/** The fields of `/system/status` the checks read (see `PlatformSnapshot`). */
const statusBody = z.object({
  state: z.string(),
  uptimeS: z.number().optional(),
  version: z.string().optional(),
  traders: z.object({ running: z.number(), failed: z.number(), stopped: z.number() }),
  database: z.object({ kind: z.string(), where: z.string().nullable(), reachable: z.boolean(), bufferedRows: z.number(), lastError: z.string().nullable() }),
  exchanges: z.array(z.object({ name: z.string(), type: z.string(), connectivity: z.string(), lastError: z.string().nullable().optional() })),
});
type StatusBody = z.infer<typeof statusBody>;

const strategiesBody = z.object({
  data: z.array(z.object({ type: z.string() })),
  configured: z.array(z.object({ traderId: z.string(), name: z.string().optional(), type: z.string().optional() })),
});

const tradersBody = z.object({ data: z.array(z.object({ id: z.string(), state: z.string(), lastError: z.string().nullable().optional() })) });

/** The status answer's body, or a `CheckFailure` saying why there is none. */
async function readStatus(ctx: ApiContext): Promise<StatusBody> {
  const answer = await ctx.status().catch((error: unknown) => {
    throw new CheckFailure(`cannot read /api/v1/system/status: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (answer.status !== 200) throw new CheckFailure(`/api/v1/system/status: ${httpProblem(answer)}`);
  const parsed = statusBody.safeParse(answer.body);
  if (!parsed.success) throw new CheckFailure(`/api/v1/system/status: unexpected answer (${issue(parsed.error)})`);
  return parsed.data;
}

function issue(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'not the expected shape';
}

/** 1. `GET /api/v1/health` answers 200 `{"status":"ok"}` (no token needed). */
export async function checkHealth(ctx: ApiContext): Promise<Outcome> {
  const answer = await getJson(ctx.url('/api/v1/health'), undefined, ctx.timeoutMs);
  if (answer.status !== 200) return fail(httpProblem(answer));
  const status = (answer.body as { status?: unknown } | undefined)?.status;
  if (status !== 'ok') return fail(`HTTP 200 but not {"status":"ok"}: ${oneLine(answer.text, 120)}`);
  return pass('HTTP 200 {"status":"ok"}');
}

/** 2. `GET /api/v1/system/status` answers 200 with the platform running and no trader failed. */
export async function checkSystemStatus(ctx: ApiContext): Promise<Outcome> {
  const status = await readStatus(ctx);
  const { running, failed, stopped } = status.traders;
  const about = [`platform ${status.state}`, status.version !== undefined ? `version ${status.version}` : undefined, status.uptimeS !== undefined ? `up ${status.uptimeS} s` : undefined].filter(Boolean).join(', ');
  let detail = `${about}; ${running + failed + stopped} traders: ${running} running, ${failed} failed, ${stopped} stopped`;
  if (failed > 0) detail += await failedTraders(ctx);
  return status.state === 'running' && failed === 0 ? pass(detail) : fail(detail);
}

/** `; failed: a (its last error), b` from `/traders`, or nothing when that cannot be read. */
async function failedTraders(ctx: ApiContext): Promise<string> {
  try {
    const answer = await getJson(ctx.url('/api/v1/traders'), ctx.token, ctx.remainingMs());
    const parsed = tradersBody.safeParse(answer.body);
    if (answer.status !== 200 || !parsed.success) return '';
    const failed = parsed.data.data.filter((t) => t.state === 'failed').map((t) => (t.lastError ? `${t.id} (${oneLine(t.lastError, 80)})` : t.id));
    return failed.length > 0 ? `; failed: ${failed.join(', ')}` : '';
  } catch {
    return '';
  }
}

/** 3. The status says the platform's database is reachable (`database.reachable`). */
export async function checkDatabase(ctx: ApiContext): Promise<Outcome> {
  const { database } = await readStatus(ctx);
  if (database.kind === 'none') return fail('the platform runs without a database');
  const where = `${database.kind}${database.where ? ` (${database.where})` : ''}`;
  const waiting = `${database.bufferedRows} rows waiting to be written`;
  if (database.reachable) return pass(`${where} reachable, ${waiting}`);
  return fail(`${where} not reachable${database.lastError ? ` (${oneLine(database.lastError, 120)})` : ''}, ${waiting}`);
}

/** 5. Every exchange of the status has connectivity `up` (`degraded` and `down` fail and are named). */
export async function checkExchanges(ctx: ApiContext): Promise<Outcome> {
  const { exchanges } = await readStatus(ctx);
  if (exchanges.length === 0) return fail('no exchange in the status');
  const up = exchanges.filter((e) => e.connectivity === 'up');
  const notUp = exchanges.filter((e) => e.connectivity !== 'up');
  const upText = up.length > 0 ? `up: ${up.map((e) => `${e.name} (${e.type})`).join(', ')}` : '';
  if (notUp.length === 0) return pass(upText);
  const named = notUp.map((e) => `${e.name} ${e.connectivity}${e.lastError ? ` (${oneLine(e.lastError, 80)})` : ''}`).join(', ');
  return fail(`not up: ${named}${upText ? `; ${upText}` : ''}`);
}

/** 6. `GET /api/v1/strategies` answers 200 with at least one configured strategy. */
export async function checkStrategies(ctx: ApiContext): Promise<Outcome> {
  const answer = await getJson(ctx.url('/api/v1/strategies'), ctx.token, ctx.timeoutMs);
  if (answer.status !== 200) return fail(httpProblem(answer));
  const parsed = strategiesBody.safeParse(answer.body);
  if (!parsed.success) return fail(`unexpected answer (${issue(parsed.error)})`);
  const { data, configured } = parsed.data;
  if (configured.length === 0) return fail(`no trader has a strategy (${data.length} strategy types available)`);
  return pass(`${configured.length} configured, traders: ${configured.map((s) => s.traderId).join(', ')}`);
}
