import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pipeline } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { LogsQueryClientOptions, LogsTable } from '@azure/monitor-query-logs';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';

/** The one method of `LogsQueryClient` the poller uses (the real client satisfies it). */
export type LogsQuerier = Pick<LogsQueryClient, 'queryWorkspace'>;

export type QueryFailureKind =
  | 'forbidden' // 401/403: the identity lacks a role on the workspace
  | 'not-found' // 404: no such workspace
  | 'throttled' // 429 after every retry
  | 'bad-query' // 400: syntax or semantic error
  | 'missing-table' // 400 semantic error naming a table the workspace lacks
  | 'timeout' // 504 / query time limit
  | 'unavailable' // network errors, 5xx
  | 'too-large' // the answer passed the caller's byte limit
  | 'aborted' // the caller's abort signal fired
  | 'other';

/** A query's outcome. Expected failures are values, not exceptions. */
export type QueryLogsResult =
  | { status: 'ok'; tables: LogsTable[]; noContent?: boolean }
  | { status: 'partial'; tables: LogsTable[]; error: string; limitExceeded: boolean }
  | { status: 'failed'; kind: QueryFailureKind; error: string; httpStatus?: number; table?: string };

export interface QueryLogsOptions {
  /** Attempts for throttled (429) or unavailable (5xx, network) queries beyond the client's own retries. */
  maxAttempts?: number;
  /** First backoff when the server gives no Retry-After; doubles each attempt (with jitter). */
  baseDelayMs?: number;
  /** Server-side timeout (Prefer: wait=N); the service caps it at 600 s. */
  serverTimeoutInSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Stops the query (and any retry) when it fires: the caller's time budget. */
  abortSignal?: AbortSignal;
  /** The most bytes of answer read; a larger one is cut off unread and reported as 'too-large'. */
  maxResponseBytes?: number;
}

export const LOG_ANALYTICS_ENDPOINT = 'https://api.loganalytics.io/v1';

/**
 * A real `LogsQueryClient` for `endpoint` (the public cloud when undefined). The client uses the
 * endpoint as-is, so the API version path (`/v1`) is appended when missing.
 */
export function createLogsQueryClient(
  endpoint: string | undefined,
  credential: TokenCredential,
  options: LogsQueryClientOptions = {},
): LogsQueryClient {
  let url = (endpoint ?? LOG_ANALYTICS_ENDPOINT).replace(/\/+$/, '');
  if (!/\/v1$/i.test(url)) url += '/v1';
  return new LogsQueryClient(credential, { ...options, endpoint: url });
}

interface ErrorInfoLike {
  code?: unknown;
  message?: unknown;
  details?: unknown;
  innererror?: unknown;
  innerError?: unknown;
}

/** Every message and code of a OneAPI error, depth first (outer, inner, details). */
function errorChain(
  error: unknown,
  out: { codes: string[]; messages: string[] } = { codes: [], messages: [] },
) {
  if (typeof error !== 'object' || error === null) return out;
  const e = error as ErrorInfoLike;
  if (typeof e.code === 'string') out.codes.push(e.code);
  if (typeof e.message === 'string') out.messages.push(e.message);
  errorChain(e.innererror ?? e.innerError, out);
  if (Array.isArray(e.details)) for (const d of e.details) errorChain(d, out);
  return out;
}

function describe(error: unknown): string {
  const { codes, messages } = errorChain(error);
  const detail = [...new Set(messages.filter((m) => m.trim() !== ''))].join(' / ');
  const code = codes.filter((c) => c !== '').join('/');
  return `${code ? `${code}: ` : ''}${detail || 'no details'}`;
}

// Kusto's result-size limits (500,000 records, 64 MB compressed) and the 10-minute query time limit.
const LIMIT_PATTERN =
  /E_QUERY_RESULT_SET_TOO_LARGE|exceeded the internal (?:record count|data size) limit|result set has exceeded|E_RUNAWAY_QUERY|E_LOW_MEMORY_CONDITION/i;
const TIMEOUT_PATTERN =
  /timed? ?out|exceeded the allowed (?:execution )?time|GatewayTimeout|E_QUERY_TIMEOUT/i;
const MISSING_TABLE = /Failed to resolve table(?: or column)?(?: expression)? named '([^']+)'/i;

export function isLimitError(error: unknown): boolean {
  const { codes, messages } = errorChain(error);
  return [...codes, ...messages].some((s) => LIMIT_PATTERN.test(s) || TIMEOUT_PATTERN.test(s));
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  details?: unknown;
  response?: { headers?: { get(name: string): string | undefined } };
}

function retryAfterMs(e: RestErrorLike): number | undefined {
  const headers = e.response?.headers;
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms') ?? headers.get('x-ms-retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && (headers.get('retry-after-ms') ?? headers.get('x-ms-retry-after-ms')))
    return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** What a query runs against: a workspace (by ID) or, resource-centric, an Azure resource. */
export type QueryTarget = { workspaceId: string } | { resourceId: string };

function classify(target: QueryTarget, e: RestErrorLike): Extract<QueryLogsResult, { status: 'failed' }> {
  const onWorkspace = 'workspaceId' in target;
  const name = onWorkspace
    ? `Log Analytics workspace ${target.workspaceId}`
    : `Log Analytics query on resource ${target.resourceId}`;
  const status = e.statusCode;
  const body = (e.details as { error?: unknown } | undefined)?.error ?? e.details;
  const what = body ? describe(body) : (e.message ?? 'no details');
  const base = status !== undefined ? { httpStatus: status } : {};
  if (status === 401 || status === 403)
    return {
      status: 'failed',
      kind: 'forbidden',
      ...base,
      error: onWorkspace
        ? `${name}: access denied (${status} ${what}). The identity needs the ` +
          `Log Analytics Data Reader role (or Log Analytics Reader) on the workspace; a new role assignment can ` +
          `take up to an hour to apply.`
        : `${name}: access denied (${status} ${what}). The identity needs read access to the resource and ` +
          `to the workspace its logs go to; a new role assignment can take up to an hour to apply.`,
    };
  if (status === 404)
    return {
      status: 'failed',
      kind: 'not-found',
      ...base,
      error: onWorkspace
        ? `${name}: not found (404 ${what}). Use the workspace ID (a GUID, the ` +
          `workspace's customer ID, not its resource id) and give the identity the Log Analytics Data Reader ` +
          `role on it.`
        : `${name}: not found (404 ${what}); the resource may be gone.`,
    };
  if (status === 429)
    return {
      status: 'failed',
      kind: 'throttled',
      ...base,
      error: `${name}: throttled (429 ${what}); the API allows 5 concurrent and 200 queries per 30 s per identity.`,
    };
  if (status === 400) {
    const table = errorChain(body)
      .messages.map((m) => MISSING_TABLE.exec(m)?.[1])
      .find((t) => t !== undefined);
    if (table !== undefined)
      return {
        status: 'failed',
        kind: 'missing-table',
        ...base,
        table,
        error: onWorkspace
          ? `table ${table} is not in workspace ${target.workspaceId}`
          : `table ${table} is not in the logs of resource ${target.resourceId}`,
      };
    if (isLimitError(body))
      return {
        status: 'failed',
        kind: 'timeout',
        ...base,
        error: `${name}: query over a limit (${what})`,
      };
    return {
      status: 'failed',
      kind: 'bad-query',
      ...base,
      error: `${name}: query rejected (400 ${what})`,
    };
  }
  if (status === 504 || status === 408 || isLimitError(body))
    return {
      status: 'failed',
      kind: 'timeout',
      ...base,
      error: `${name}: query timed out (${status ?? ''} ${what})`,
    };
  if (status === undefined || status >= 500)
    return {
      status: 'failed',
      kind: 'unavailable',
      ...base,
      error: `${name}: ${status ? `service error (${status} ${what})` : `request failed (${e.message ?? 'unknown error'})`}`,
    };
  return {
    status: 'failed',
    kind: 'other',
    ...base,
    error: `${name}: ${status} ${what}`,
  };
}

/** The API's record limit per query. */
const RECORD_LIMIT = 500_000;

interface HeadersLike {
  get(name: string): string | undefined;
}
interface RawSeen {
  status: number;
  headers: HeadersLike;
  /** The OneAPI error as sent (with details[].innererror, which the client drops). */
  error: unknown;
}

/** Per-query holder for the raw response, found by the capture policy through the async context. */
const rawResponses = new AsyncLocalStorage<{ raw?: RawSeen }>();
const capturing = new WeakSet<object>();
const TAIL = 65_536;

/** The top-level "error" of a JSON body, read from its tail (bodies can be 100 MB; the error is last). */
function errorFromBody(text: string | undefined | null): unknown {
  if (!text) return undefined;
  if (text.length <= TAIL) {
    try {
      return (JSON.parse(text) as { error?: unknown } | null)?.error;
    } catch {
      return undefined;
    }
  }
  const head = text.slice(0, TAIL);
  const tail = text.slice(-TAIL);
  // The error usually follows the tables; if it comes first, read it from the head.
  const early = /^\s*\{\s*"error"\s*:/.exec(head);
  if (early) {
    const found = firstJsonValue(head, early[0].length);
    if (found !== undefined) return found;
  }
  for (let i = tail.lastIndexOf('"error"'); i >= 0; i = tail.lastIndexOf('"error"', i - 1)) {
    try {
      return (JSON.parse(`{${tail.slice(i)}`) as { error?: unknown }).error;
    } catch {
      // not the top-level key; try an earlier one
    }
  }
  return undefined;
}

/** The JSON value starting at `from` (an object), if it ends within `text`. */
function firstJsonValue(text: string, from: number): unknown {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) {
        try {
          return JSON.parse(text.slice(from, i + 1));
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}

/**
 * Adds (once per client) a pipeline policy that keeps the status, headers and error body of each
 * response for the query that made it. 1.0.0 ignores per-call `onResponse`, drops
 * `details[].innererror` (where the service names a result-size limit) and throws a TypeError rather
 * than a RestError for bodiless answers such as 204 and some 429s.
 */
function captureRawResponses(client: object): void {
  const pipeline = (client as { pipeline?: Pipeline }).pipeline;
  if (!pipeline || capturing.has(client)) return;
  capturing.add(client);
  pipeline.addPolicy({
    name: 'aksAlertEnricherRawResponse',
    async sendRequest(request, next) {
      const response = await next(request);
      const holder = rawResponses.getStore();
      if (holder) {
        const text = response.bodyAsText;
        // A 200 holds an error only on partial results; look at the ends, not through 100 MB of rows.
        const mayHoldError =
          response.status !== 200 ||
          (text !== undefined &&
            text !== null &&
            (text.length <= 2 * TAIL
              ? text.includes('"error"')
              : text.slice(-TAIL).includes('"error"') || text.slice(0, TAIL).includes('"error"')));
        holder.raw = {
          status: response.status,
          headers: response.headers,
          error: mayHoldError ? errorFromBody(text) : undefined,
        };
      }
      return response;
    },
  });
}
/** A query's answer was larger than its caller allows: cut off after `limit` bytes. */
export class ResponseTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit} bytes`);
    this.name = 'ResponseTooLarge';
  }
}

/** Per-query bounds (abort signal, byte limit), found by the bounds policy through the async context. */
const callBounds = new AsyncLocalStorage<{ signal?: AbortSignal; maxBytes?: number }>();
const bounding = new WeakSet<object>();

/**
 * Adds (once per client) a policy next to the wire that applies a query's bounds: its abort signal
 * (1.0.0 drops the per-call `abortSignal` option, so the request would run on), and its byte limit,
 * by reading the answer as a stream, stopping past the limit and handing the client the text as if
 * read whole. A query without bounds is untouched.
 */
function boundRequests(client: object): void {
  const pipeline = (client as { pipeline?: Pipeline }).pipeline;
  if (!pipeline || bounding.has(client)) return;
  bounding.add(client);
  pipeline.addPolicy(
    {
      name: 'aksAlertEnricherCallBounds',
      async sendRequest(request, next) {
        const bounds = callBounds.getStore();
        if (bounds?.signal) {
          const own = request.abortSignal;
          request.abortSignal =
            own instanceof AbortSignal ? AbortSignal.any([own, bounds.signal]) : bounds.signal;
        }
        const limit = bounds?.maxBytes;
        if (limit === undefined) return next(request);
        const before = request.streamResponseStatusCodes;
        request.streamResponseStatusCodes = new Set([Number.POSITIVE_INFINITY]);
        let response;
        try {
          response = await next(request);
        } finally {
          // The client decides whether to parse the body by this set: parse it as usual.
          request.streamResponseStatusCodes = before;
        }
        const stream = response.readableStreamBody;
        if (!stream) return response;
        const chunks: Buffer[] = [];
        let total = 0;
        for await (const chunk of stream as AsyncIterable<Buffer | string>) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          total += bytes.length;
          if (total > limit) {
            (stream as { destroy?: () => void }).destroy?.();
            throw new ResponseTooLarge(limit);
          }
          chunks.push(bytes);
        }
        response.readableStreamBody = undefined;
        response.bodyAsText = Buffer.concat(chunks).toString('utf8');
        return response;
      },
    },
    { afterPhase: 'Sign' },
  );
}

const noHeaders: HeadersLike = { get: () => undefined };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs one query through the real client and maps every expected outcome to a value: rows (a 204
 * from a workspace with no data is zero rows), partial rows with the error, or a failure that names
 * the workspace and what to do. 429s and 5xx are retried after the client's own retries, honouring
 * Retry-After, with exponential backoff and jitter otherwise.
 */
export async function queryLogs(
  client: LogsQuerier,
  workspaceId: string,
  query: string,
  timespan: { startTime: Date; endTime: Date },
  options: QueryLogsOptions = {},
): Promise<QueryLogsResult> {
  return runQuery(client, { workspaceId }, options, (serverTimeoutInSeconds) =>
    client.queryWorkspace(workspaceId, query, timespan, {
      serverTimeoutInSeconds,
    }),
  );
}

/** `queryLogs` for a resource-centric query (a log search alert scoped to a resource). */
export async function queryResourceLogs(
  client: Pick<LogsQueryClient, 'queryResource'>,
  resourceId: string,
  query: string,
  timespan: { startTime: Date; endTime: Date },
  options: QueryLogsOptions = {},
): Promise<QueryLogsResult> {
  return runQuery(client, { resourceId }, options, (serverTimeoutInSeconds) =>
    client.queryResource(resourceId, query, timespan, {
      serverTimeoutInSeconds,
    }),
  );
}

async function runQuery(
  client: object,
  target: QueryTarget,
  options: QueryLogsOptions,
  call: (serverTimeoutInSeconds: number) => ReturnType<LogsQueryClient['queryWorkspace']>,
): Promise<QueryLogsResult> {
  const label = 'workspaceId' in target ? `workspace ${target.workspaceId}` : `resource ${target.resourceId}`;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const baseDelay = options.baseDelayMs ?? 2_000;
  const sleep = options.sleep ?? defaultSleep;
  captureRawResponses(client);
  const bounds = {
    ...(options.abortSignal ? { signal: options.abortSignal } : {}),
    ...(options.maxResponseBytes !== undefined ? { maxBytes: options.maxResponseBytes } : {}),
  };
  const bounded = Object.keys(bounds).length > 0;
  if (bounded) boundRequests(client);
  const aborted = (): QueryLogsResult => ({
    status: 'failed',
    kind: 'aborted',
    error: `Log Analytics ${label}: query stopped (${String(options.abortSignal?.reason ?? 'aborted')})`,
  });
  for (let attempt = 1; ; attempt++) {
    if (options.abortSignal?.aborted) return aborted();
    const holder: { raw?: RawSeen } = {};
    try {
      const run = () => call(options.serverTimeoutInSeconds ?? 600);
      const result = await rawResponses.run(holder, () => (bounded ? callBounds.run(bounds, run) : run()));
      const raw = holder.raw;
      if (result.status === LogsQueryResultStatus.Success) return { status: 'ok', tables: result.tables };
      const error = raw?.error ?? result.partialError;
      const rows = result.partialTables.reduce((n, t) => n + t.rows.length, 0);
      return {
        status: 'partial',
        tables: result.partialTables,
        error: `Log Analytics ${label}: partial result (${describe(error)})`,
        limitExceeded: isLimitError(error) || rows >= RECORD_LIMIT,
      };
    } catch (err) {
      if (err instanceof ResponseTooLarge)
        return {
          status: 'failed',
          kind: 'too-large',
          error: `Log Analytics ${label}: ${err.message}; not read further`,
        };
      if (options.abortSignal?.aborted) return aborted();
      const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as RestErrorLike;
      const seen = holder.raw;
      const status = e.statusCode ?? seen?.status;
      // The 1.0.0 client expects only 200; a workspace without data answers 204 No Content.
      if (status === 204) return { status: 'ok', tables: [], noContent: true };
      const failure = classify(target, {
        ...e,
        ...(status !== undefined ? { statusCode: status } : {}),
        ...(e.details === undefined && seen?.error !== undefined ? { details: { error: seen.error } } : {}),
        ...(e.response?.headers === undefined && seen ? { response: { headers: seen.headers } } : {}),
        message: e.message ?? '',
      });
      const retriable = failure.kind === 'throttled' || failure.kind === 'unavailable';
      if (!retriable || attempt >= maxAttempts) {
        if (attempt > 1) failure.error += ` (after ${attempt} attempts)`;
        return failure;
      }
      const wait =
        retryAfterMs(e.response?.headers ? e : { response: { headers: seen?.headers ?? noHeaders } }) ??
        baseDelay * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      await sleep(wait);
    }
  }
}
