/**
 * A local HTTPS Log Analytics query API (POST /v1/workspaces/{id}/query, and resource-centric
 * POST /v1/{resourceId}/query) for tests and benchmarks.
 * It speaks the real wire format (tables/columns/rows, partial errors on 200, 204 for an empty
 * workspace, OneAPI error bodies) and evaluates what matters for polling: the ingestion-time window
 * (the two datetime() literals of the query), the request timespan on TimeGenerated, tables missing
 * from the workspace (honouring union isfuzzy=true), and the result-size limits (rows sorted by
 * ingestion time, cut at the limit with the service's partial error). The real LogsQueryClient is
 * pointed at it with the test certificate.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { LogsQueryClientOptions } from '@azure/monitor-query-logs';
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import { createLogsQueryClient } from '../../src/sources/logAnalytics/queryLogs.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
export const TEST_CA = readFileSync(join(FIXTURES, 'tls', 'cert.pem'), 'utf8');
const TEST_KEY = readFileSync(join(FIXTURES, 'tls', 'key.pem'), 'utf8');

export function sampleBody(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, 'samples', name), 'utf8'));
}

export interface FakeColumn {
  name: string;
  type: string;
}

const dt = (name: string): FakeColumn => ({ name, type: 'datetime' });
const str = (name: string): FakeColumn => ({ name, type: 'string' });

/** The result columns of each poll query, as its .kql file projects them. */
export const QUERY_COLUMNS: Record<string, FakeColumn[]> = {
  nodeAutoRepair: [
    dt('IngestedAt'),
    dt('TimeGenerated'),
    str('ClusterId'),
    str('ClusterName'),
    str('_ResourceId'),
    str('ObjectKind'),
    str('Name'),
    str('Namespace'),
    str('Reason'),
    str('KubeEventType'),
    str('SourceComponent'),
    str('Message'),
    dt('FirstSeen'),
    dt('LastSeen'),
    { name: 'Count', type: 'real' },
  ],
  failedOperations: [
    dt('IngestedAt'),
    dt('TimeGenerated'),
    str('EventDataId'),
    str('CorrelationId'),
    str('OperationNameValue'),
    str('ActivityStatusValue'),
    str('ActivitySubstatusValue'),
    str('Level'),
    str('Caller'),
    str('ResourceGroup'),
    str('SubscriptionId'),
    str('_ResourceId'),
    str('StatusCode'),
    str('StatusMessage'),
  ],
  autoscaler: [
    dt('IngestedAt'),
    str('SourceTable'),
    dt('TimeGenerated'),
    str('_ResourceId'),
    str('Category'),
    str('Level'),
    str('PodName'),
    str('Message'),
    str('ClusterId'),
    str('ClusterName'),
    str('ObjectKind'),
    str('Name'),
    str('Namespace'),
    str('Reason'),
    str('KubeEventType'),
    str('SourceComponent'),
    dt('FirstSeen'),
    dt('LastSeen'),
    { name: 'Count', type: 'real' },
  ],
};

/** One stored row: when it was ingested, its TimeGenerated (for the request timespan), its cells. */
interface StoredRow {
  ingestedAt: number;
  timeGenerated: number;
  cells: unknown[];
}

/** A result set the fake serves for one query name, kept sorted by ingestion time. */
export class FakeResultSet {
  private stored: StoredRow[] = [];
  private generated:
    | {
        count: number;
        ingestedAt(i: number): number;
        json(i: number): string;
        timeGenerated(i: number): number;
      }
    | undefined;

  constructor(readonly columns: FakeColumn[]) {}

  /** Adds rows given as column -> value records; IngestedAt is filled in from `ingestedAt`. */
  add(...rows: { ingestedAt: Date | string; row: Record<string, unknown> }[]): this {
    if (this.generated) throw new Error('a result set is either generated or added to, not both');
    for (const { ingestedAt, row } of rows) {
      const at = new Date(ingestedAt).getTime();
      const cells = this.columns.map((c) =>
        c.name === 'IngestedAt' ? new Date(at).toISOString() : (row[c.name] ?? null),
      );
      const tg = typeof row.TimeGenerated === 'string' ? Date.parse(row.TimeGenerated) : at;
      const entry = { ingestedAt: at, timeGenerated: tg, cells };
      let i = this.stored.length;
      while (i > 0 && (this.stored[i - 1] as StoredRow).ingestedAt > at) i--;
      this.stored.splice(i, 0, entry);
    }
    return this;
  }

  /**
   * Serves `count` rows made on demand: row i is ingested at `ingestedAt(i)` (ascending in i) and its
   * cells are `row(i)`: an array, or its JSON text (benchmarks pre-serialise so the server costs little).
   */
  generate(
    count: number,
    ingestedAt: (i: number) => number,
    row: (i: number) => unknown[] | string,
    timeGenerated: (i: number) => number = ingestedAt,
  ): this {
    if (this.stored.length > 0) throw new Error('a result set is either generated or added to, not both');
    const json = (i: number) => {
      const r = row(i);
      return typeof r === 'string' ? r : JSON.stringify(r);
    };
    this.generated = { count, ingestedAt, json, timeGenerated };
    return this;
  }

  /** JSON rows with ingestion time in [start, end) and TimeGenerated in [tgFrom, tgTo), ascending. */
  *select(start: number, end: number, tgFrom: number, tgTo: number): Generator<string> {
    if (this.generated) {
      const g = this.generated;
      let lo = 0;
      let hi = g.count;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (g.ingestedAt(mid) < start) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < g.count && g.ingestedAt(i) < end; i++) {
        const tg = g.timeGenerated(i);
        if (tg >= tgFrom && tg < tgTo) yield g.json(i);
      }
    }
    for (const r of this.stored)
      if (r.ingestedAt >= start && r.ingestedAt < end && r.timeGenerated >= tgFrom && r.timeGenerated < tgTo)
        yield JSON.stringify(r.cells);
  }
}

export class FakeWorkspace {
  readonly results = new Map<string, FakeResultSet>();
  /** Tables this workspace does not have (queries naming them fail as the service does). */
  readonly missingTables = new Set<string>();
  /** Answer every query with 204 No Content (a workspace with no data). */
  noContent = false;

  constructor(readonly id: string) {}

  result(queryName: string): FakeResultSet {
    let r = this.results.get(queryName);
    if (!r) {
      const columns = QUERY_COLUMNS[queryName];
      if (!columns) throw new Error(`no columns known for query ${queryName}`);
      r = new FakeResultSet(columns);
      this.results.set(queryName, r);
    }
    return r;
  }
}

/** A canned response used instead of evaluating the query (FIFO, per workspace or for any). */
export type FakeScript =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { partialError: unknown; keepRows?: number };

export interface FakeRequestLog {
  workspaceId: string;
  queryName: string | undefined;
  query: string;
  timespan: string | undefined;
  window: { start: string; end: string } | undefined;
  status: number;
  rows: number;
  bytes: number;
}

export interface FakeLogAnalyticsOptions {
  maxRows?: number;
  maxBytes?: number;
  /** Delay before each answer, so concurrency can be observed. */
  latencyMs?: number;
  /** Which result set a query reads (default: by the tables and markers in its text). */
  route?: (query: string) => string | undefined;
}

const KNOWN_TABLES = ['KubeEvents', 'AzureActivity', 'AKSControlPlane', 'AzureDiagnostics'];

export function defaultRoute(query: string): string | undefined {
  if (/\bAzureActivity\b/.test(query)) return 'failedOperations';
  if (/\bunion\b/.test(query) && query.includes('cluster-autoscaler')) return 'autoscaler';
  if (/\bKubeEvents\b/.test(query)) return 'nodeAutoRepair';
  return undefined;
}

/** The ingestion window: the first two datetime() literals of the query. */
export function parseWindow(query: string): { start: number; end: number } | undefined {
  const found = [...query.matchAll(/datetime\(\s*([^)]+?)\s*\)/g)].map((m) => Date.parse(m[1] ?? ''));
  const [start, end] = found;
  if (start === undefined || end === undefined || Number.isNaN(start) || Number.isNaN(end)) return undefined;
  return { start, end };
}

function parseTimespan(timespan: string | undefined): { from: number; to: number } {
  if (!timespan) return { from: -8.64e15, to: 8.64e15 };
  const [a, b] = timespan.split('/');
  const from = Date.parse(a ?? '');
  const to = Date.parse(b ?? '');
  if (Number.isNaN(from) || Number.isNaN(to)) throw new Error(`unsupported timespan ${timespan}`);
  return { from, to };
}

function semanticError(table: string): unknown {
  return {
    error: {
      message: 'The request had some invalid properties',
      code: 'BadArgumentError',
      correlationId: '3f1b8f9e-4c1d-4d7e-9a51-0c2b7d9e6a10',
      innererror: {
        code: 'SemanticError',
        message: 'A semantic error occurred.',
        innererror: {
          code: 'SEM0100',
          message: `'where' operator: Failed to resolve table or column expression named '${table}'`,
        },
      },
    },
  };
}

function limitError(kind: 'rows' | 'bytes', limit: number): unknown {
  const what =
    kind === 'rows'
      ? `Query result set has exceeded the internal record count limit ${limit} (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)`
      : `Query result set has exceeded the internal data size limit ${limit} (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)`;
  return {
    code: 'PartialError',
    message: 'There were some errors when processing your query.',
    details: [
      {
        code: 'EngineError',
        message: 'Something went wrong processing your query on the server.',
        innererror: { code: '-2133196797', message: what, severity: 2, severityName: 'Error' },
      },
    ],
  };
}

export class FakeLogAnalytics {
  readonly workspaces = new Map<string, FakeWorkspace>();
  readonly requests: FakeRequestLog[] = [];
  /** Queries being answered now, and the most at once. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly scripts = new Map<string, FakeScript[]>();
  private readonly maxRows: number;
  private readonly maxBytes: number;
  private readonly route: (query: string) => string | undefined;
  private readonly latencyMs: number;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    options: FakeLogAnalyticsOptions,
  ) {
    this.maxRows = options.maxRows ?? 500_000;
    this.maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
    this.route = options.route ?? defaultRoute;
    this.latencyMs = options.latencyMs ?? 0;
  }

  static async start(options: FakeLogAnalyticsOptions = {}): Promise<FakeLogAnalytics> {
    const holder: { fake?: FakeLogAnalytics } = {};
    const server = createServer({ cert: TEST_CA, key: TEST_KEY }, (req, res) => {
      const fake = holder.fake;
      if (!fake) return void res.writeHead(503).end();
      fake.inFlight++;
      fake.maxInFlight = Math.max(fake.maxInFlight, fake.inFlight);
      res.once('close', () => fake.inFlight--);
      fake.handle(req, res).catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'InternalServerError', message: String(e) } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.fake = new FakeLogAnalytics(server, `https://127.0.0.1:${port}/v1`, options);
    return holder.fake;
  }

  workspace(id: string): FakeWorkspace {
    let w = this.workspaces.get(id);
    if (!w) {
      w = new FakeWorkspace(id);
      this.workspaces.set(id, w);
    }
    return w;
  }

  /** Queue canned responses for a workspace ('*' for any), used before evaluating queries. */
  script(workspaceId: string, ...responses: FakeScript[]): void {
    const list = this.scripts.get(workspaceId) ?? [];
    list.push(...responses);
    this.scripts.set(workspaceId, list);
  }

  /** The certificate authority clients must trust for this server. */
  readonly ca = TEST_CA;

  /** Client options that trust this server's certificate and do not retry (for the app's own client). */
  clientOptions(): LogsQueryClientOptions {
    return { tlsOptions: { ca: TEST_CA }, retryOptions: { maxRetries: 0 } };
  }

  /** A real LogsQueryClient pointed at this server, trusting the test certificate. */
  client(options: LogsQueryClientOptions = {}): LogsQueryClient {
    return createLogsQueryClient(this.endpoint, fakeCredential, { ...options, tlsOptions: { ca: TEST_CA } });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'access-control-expose-headers':
        'Retry-After,Age,WWW-Authenticate,x-resource-identities,x-ms-status-location',
      ...headers,
    });
    res.end(text);
    return text.length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    // A workspace query, or a resource-centric one (/v1/subscriptions/…/query; the client doubles the
    // slash before the resource ID), kept under the resource ID as if it were a workspace.
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const m =
      /^\/v1\/workspaces\/([^/]+)\/query$/.exec(path) ??
      /^\/v1(\/subscriptions\/.+)\/query$/i.exec(path.replace(/^\/v1\/+/, '/v1/'));
    if (req.method !== 'POST' || !m?.[1]) {
      this.send(res, 404, sampleBody('log-analytics-error-404-path-not-found.json'));
      return;
    }
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      this.send(res, 401, sampleBody('log-analytics-error-401-no-auth.json'));
      return;
    }
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    const workspaceId = decodeURIComponent(m[1]);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query?: string; timespan?: string };
    const query = body.query ?? '';
    const queryName = this.route(query);
    const window = parseWindow(query);
    const log: FakeRequestLog = {
      workspaceId,
      queryName,
      query,
      timespan: body.timespan,
      window: window && {
        start: new Date(window.start).toISOString(),
        end: new Date(window.end).toISOString(),
      },
      status: 200,
      rows: 0,
      bytes: 0,
    };
    this.requests.push(log);

    const queue = this.scripts.get(workspaceId)?.length
      ? this.scripts.get(workspaceId)
      : this.scripts.get('*');
    const scripted = queue?.shift();
    if (scripted && 'status' in scripted) {
      log.status = scripted.status;
      log.bytes = this.send(res, scripted.status, scripted.body, scripted.headers);
      return;
    }
    const ws = this.workspaces.get(workspaceId);
    if (!ws) {
      log.status = 404;
      this.send(res, 404, {
        error: { message: `The workspace could not be found`, code: 'WorkspaceNotFoundError' },
      });
      return;
    }
    if (ws.noContent) {
      log.status = 204;
      this.send(res, 204);
      return;
    }
    const referenced = KNOWN_TABLES.filter((t) => new RegExp(`(^|[(\\s])${t}\\s*(\\||$)`, 'm').test(query));
    const missing = referenced.filter((t) => ws.missingTables.has(t));
    const fuzzy = /\bunion\s+(?:withsource\s*=\s*\w+\s+)?isfuzzy\s*=\s*true/.test(query);
    if (missing.length > 0 && (!fuzzy || missing.length === referenced.length)) {
      log.status = 400;
      this.send(res, 400, semanticError(missing[0] as string));
      return;
    }
    if (!window || !queryName) {
      log.status = 400;
      this.send(res, 400, sampleBody('log-analytics-error-400-syntax.json'));
      return;
    }
    const set = ws.results.get(queryName);
    const columns = set?.columns ?? QUERY_COLUMNS[queryName] ?? [];
    const span = parseTimespan(body.timespan);
    const rows: string[] = [];
    let bytes = 0;
    let cut: unknown;
    const keep = scripted && 'partialError' in scripted ? (scripted.keepRows ?? Infinity) : Infinity;
    if (set) {
      for (const text of set.select(window.start, window.end, span.from, span.to)) {
        if (rows.length >= keep) break;
        if (rows.length >= this.maxRows) {
          cut = limitError('rows', this.maxRows);
          break;
        }
        if (bytes + text.length + 1 > this.maxBytes) {
          cut = limitError('bytes', this.maxBytes);
          break;
        }
        bytes += text.length + 1;
        rows.push(text);
      }
    }
    const error = scripted && 'partialError' in scripted ? scripted.partialError : cut;
    const head = JSON.stringify({ name: 'PrimaryResult', columns }).slice(0, -1);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.write(`{"tables":[${head},"rows":[`);
    const step = 10_000;
    for (let i = 0; i < rows.length; i += step) {
      const piece = rows.slice(i, i + step).join(',');
      if (!res.write(i === 0 ? piece : `,${piece}`)) await new Promise((r) => res.once('drain', r));
    }
    res.end(`]}]${error ? `,"error":${JSON.stringify(error)}` : ''}}`);
    log.rows = rows.length;
    log.bytes = bytes;
  }
}

/** Any bearer token will do for the fake; the real client still runs its authentication policy. */
export const fakeCredential = {
  getToken: () => Promise.resolve({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};
