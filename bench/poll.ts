/**
 * One poll over 1,000,000 node auto-repair failure rows in one workspace's one-hour window, served by
 * the local fake Log Analytics (in a child process, so it does not share this process's CPU or
 * memory) through the real LogsQueryClient: pages at the API's 500,000-row / 100 MB limits, rows
 * parsed into FailureSignals. The floor is fetching the same pages (same requests, same bytes) with
 * node:https and JSON.parse, nothing else. Wall time, ratio and peak RSS of each, in the same run.
 */
import { fileURLToPath } from 'node:url';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { buildQuery } from '../src/sources/logAnalytics/queries.js';
import { pollWorkspaces } from '../src/sources/logAnalytics/poll.js';
import { createLogsQueryClient } from '../src/sources/logAnalytics/queryLogs.js';
import { FakeLogAnalytics, TEST_CA, fakeCredential } from '../tests/support/fakeLogAnalytics.js';
import { measure, postQuery, runPhase, serveFromChild, startFakeProcess } from './support/childBench.js';

const ROWS = 1_000_000;
const WORKSPACE = '5b3a9c1e-8d2f-4a6b-9e0c-7f1d2a3b4c5d';
const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const WINDOW_MS = 3_600_000;
const SERVE_FLAG = '--fake-log-analytics-server';
const PHASE_FLAG = '--poll-bench-phase';

const CODES = [
  '',
  'ARM ErrorCode: TooManyVMRedeploymentRequests',
  'ARM ErrorCode: VMExtensionProvisioningError',
  '',
];
const ACTIONS = ['Reboot', 'Reimage', 'Redeploy'];
const ingestedAt = (i: number) => T0 + Math.floor((i * WINDOW_MS) / ROWS);

/** Row i as JSON cells of the auto-repair query: 40 clusters, 3,000 nodes, messages with and without codes. */
function fakeRow(i: number): string {
  const at = new Date(ingestedAt(i)).toISOString();
  const seen = new Date(ingestedAt(i) - 60_000).toISOString();
  const cluster = `aks-fleet-${String(i % 40).padStart(2, '0')}`;
  const rid = `/subscriptions/0000000${String(i % 2)}-0000-4000-8000-000000000000/resourcegroups/rg-${cluster}/providers/microsoft.containerservice/managedclusters/${cluster}`;
  const action = ACTIONS[i % 3] ?? 'Reboot';
  const code = CODES[i % 4] ?? '';
  const message = code
    ? `Node auto-repair ${action.toLowerCase()} action failed due to an operation failure. See error details here: ${code}`
    : `Node auto-repair ${action.toLowerCase()} action failed due to an operation failure. Learn more: aka.ms/aks/node-auto-repair-errors`;
  const node = `aks-pool${String(i % 5)}-${String(10_000_000 + (i % 3000)).slice(0, 8)}-vmss${String(i % 75).padStart(6, '0')}`;
  return JSON.stringify([
    at,
    at,
    rid,
    cluster,
    rid,
    'Node',
    node,
    '',
    `Node${action}Error`,
    'Warning',
    'aks-auto-repair',
    message,
    seen,
    seen,
    1,
  ]);
}

function serveFake(): void {
  // Serialised once, so the server's cost per request is small next to the client's.
  const rows = Array.from({ length: ROWS }, (_, i) => fakeRow(i));
  void FakeLogAnalytics.start().then((fake) => {
    fake
      .workspace(WORKSPACE)
      .result('nodeAutoRepair')
      .generate(ROWS, ingestedAt, (i) => rows[i] ?? '[]');
    serveFromChild(fake);
  });
}

interface PhaseResult {
  ms: number;
  peakRssMb: number;
  rows: number;
  bytes?: number;
  pages?: { start: string; end: string }[];
  check?: { signals: number; rowErrors: number; incomplete: number };
}

async function pollPhase(endpoint: string): Promise<PhaseResult> {
  const client = createLogsQueryClient(endpoint, fakeCredential, { tlsOptions: { ca: TEST_CA } });
  const pages: { start: string; end: string }[] = [];
  const m = await measure(async () => {
    let signals = 0;
    let rowErrors = 0;
    let incomplete = 0;
    const slices = pollWorkspaces({
      client,
      workspaceIds: [WORKSPACE],
      queryNames: ['nodeAutoRepair'],
      readWatermark: () => Promise.resolve(undefined),
      now: new Date(T0 + WINDOW_MS),
      overlapMs: 0,
      initialLookbackMs: WINDOW_MS,
      maxConcurrency: 5,
    });
    // Slices are dropped once counted, as the pipeline does once a slice is handled.
    for await (const s of slices) {
      pages.push({ start: s.start, end: s.end });
      signals += s.signals.length;
      rowErrors += s.rowErrors.length;
      if (!s.complete) incomplete++;
    }
    return { signals, rowErrors, incomplete };
  });
  return { ms: m.ms, peakRssMb: m.peakRssMb, rows: m.value.signals, pages, check: m.value };
}

async function floorPhase(endpoint: string, pages: { start: string; end: string }[]): Promise<PhaseResult> {
  const timespan = `${new Date(T0 - 86_400_000).toISOString()}/${new Date(T0 + 2 * WINDOW_MS).toISOString()}`;
  const m = await measure(async () => {
    let rows = 0;
    let bytes = 0;
    for (const p of pages) {
      const query = buildQuery('nodeAutoRepair', new Date(p.start), new Date(p.end));
      const text = await postQuery(endpoint, WORKSPACE, JSON.stringify({ query, timespan }));
      bytes += text.length;
      const parsed = JSON.parse(text) as { tables: { rows: unknown[] }[] };
      rows += parsed.tables[0]?.rows.length ?? 0;
    }
    return { rows, bytes };
  });
  return { ms: m.ms, peakRssMb: m.peakRssMb, rows: m.value.rows, bytes: m.value.bytes };
}

/** The real client alone over the same pages: what the SDK costs before any row becomes a signal. */
async function clientPhase(endpoint: string, pages: { start: string; end: string }[]): Promise<PhaseResult> {
  const client = createLogsQueryClient(endpoint, fakeCredential, { tlsOptions: { ca: TEST_CA } });
  const m = await measure(async () => {
    let rows = 0;
    for (const p of pages) {
      const query = buildQuery('nodeAutoRepair', new Date(p.start), new Date(p.end));
      const r = await client.queryWorkspace(WORKSPACE, query, {
        startTime: new Date(T0 - 86_400_000),
        endTime: new Date(T0 + 2 * WINDOW_MS),
      });
      const tables = r.status === LogsQueryResultStatus.Success ? r.tables : r.partialTables;
      rows += tables[0]?.rows.length ?? 0;
    }
    return rows;
  });
  return { ms: m.ms, peakRssMb: m.peakRssMb, rows: m.value };
}

/** Runs one phase in a fresh process, so each peak RSS is its own. */
function runPollPhase(args: string[]): Promise<PhaseResult> {
  return runPhase<PhaseResult>(fileURLToPath(import.meta.url), [PHASE_FLAG, ...args]);
}

export async function runPollBench(): Promise<void> {
  const fake = await startFakeProcess(fileURLToPath(import.meta.url), [SERVE_FLAG]);
  try {
    const poll = await runPollPhase(['poll', fake.endpoint]);
    const pages = poll.pages ?? [];
    const floor = await runPollPhase(['floor', fake.endpoint, JSON.stringify(pages)]);
    const sdk = await runPollPhase(['client', fake.endpoint, JSON.stringify(pages)]);
    const check = poll.check;
    if (!check || check.signals !== ROWS || check.rowErrors > 0 || check.incomplete > 0)
      throw new Error(`the poll lost rows: ${JSON.stringify(check)}`);
    console.log(
      `\nLog Analytics poll: ${ROWS.toLocaleString('en-US')} failure rows, one workspace, one hour, ${pages.length} pages ` +
        `(${((floor.bytes ?? 0) / 1024 / 1024).toFixed(0)} MB of JSON from a local fake in another process)`,
    );
    console.log('path                                     wall ms     rows/s   peak RSS MB   ratio');
    const line = (name: string, m: PhaseResult, ratio: string) =>
      console.log(
        `${name.padEnd(38)} ${m.ms.toFixed(0).padStart(9)} ${Math.round(m.rows / (m.ms / 1000))
          .toLocaleString('en-US')
          .padStart(10)} ${m.peakRssMb.toFixed(0).padStart(13)} ${ratio.padStart(7)}`,
      );
    line('floor: node:https + JSON.parse', floor, '1.0x');
    line('LogsQueryClient alone, same pages', sdk, `${(sdk.ms / floor.ms).toFixed(1)}x`);
    line('poll: LogsQueryClient + signals', poll, `${(poll.ms / floor.ms).toFixed(1)}x`);
  } finally {
    fake.stop();
  }
}

async function phaseMain(): Promise<void> {
  const [, phase, endpoint, pages] = process.argv.slice(process.argv.indexOf(PHASE_FLAG));
  if (!endpoint) throw new Error('no endpoint');
  const planned = JSON.parse(pages ?? '[]') as { start: string; end: string }[];
  const result =
    phase === 'poll'
      ? await pollPhase(endpoint)
      : phase === 'client'
        ? await clientPhase(endpoint, planned)
        : await floorPhase(endpoint, planned);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv.includes(PHASE_FLAG)) await phaseMain();
if (process.argv.includes(SERVE_FLAG)) serveFake();
