/**
 * Benchmarks against the fake Log Analytics in a child process: the server runs apart (its CPU and
 * memory are not the measured ones), and each measured phase runs in a fresh process of its own, so
 * each peak RSS belongs to one phase.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import type { FakeLogAnalytics } from '../../tests/support/fakeLogAnalytics.js';
import { TEST_CA } from '../../tests/support/fakeLogAnalytics.js';

export interface Measured<T> {
  value: T;
  ms: number;
  /** Peak RSS sampled every 10 ms while `fn` ran. */
  peakRssMb: number;
  /** The process's peak RSS from the kernel (catches spikes between samples). */
  maxRssMb: number;
}

/** Wall time and peak RSS while `fn` runs. */
export async function measure<T>(fn: () => Promise<T>): Promise<Measured<T>> {
  global.gc?.();
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const start = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - start;
    peak = Math.max(peak, process.memoryUsage.rss());
    // maxRSS is in kilobytes.
    return { value, ms, peakRssMb: peak / 1024 / 1024, maxRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    clearInterval(timer);
  }
}

/** What a served fake was asked: enough to send the same requests again. */
export interface ServedRequest {
  workspaceId: string;
  query: string;
  timespan?: string;
}

const REQUESTS_COMMAND = 'requests';

/**
 * In the server child: prints the endpoint, answers `requests` on stdin with the requests served
 * since the last time (one JSON line), and closes when stdin ends.
 */
export function serveFromChild(fake: FakeLogAnalytics): void {
  process.stdout.write(`${fake.endpoint}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() !== REQUESTS_COMMAND) return;
    const served: ServedRequest[] = fake.requests.splice(0).map((r) => ({
      workspaceId: r.workspaceId,
      query: r.query,
      ...(r.timespan !== undefined ? { timespan: r.timespan } : {}),
    }));
    process.stdout.write(`${JSON.stringify(served)}\n`);
  });
  lines.on('close', () => void fake.close().then(() => process.exit(0)));
}

export interface FakeProcess {
  endpoint: string;
  /** The requests the fake served since the last call. */
  requests(): Promise<ServedRequest[]>;
  stop(): void;
}

/** Starts `module` with `args` as a fake Log Analytics server (see serveFromChild). */
export async function startFakeProcess(module: string, args: string[]): Promise<FakeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', module, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: ((line: string) => void)[] = [];
  const early: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else early.push(line);
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const line = early.shift();
      if (line !== undefined) return resolve(line);
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`fake server exited (${String(code)})`)));
    });
  const endpoint = (await nextLine()).trim();
  return {
    endpoint,
    async requests() {
      child.stdin.write(`${REQUESTS_COMMAND}\n`);
      return JSON.parse(await nextLine()) as ServedRequest[];
    },
    stop: () => child.stdin.end(),
  };
}

/**
 * Runs `module` with `args` in a fresh process and returns the JSON of its last stdout line; `input`
 * is written to its stdin (for inputs too long for a command line), `nodeFlags` go to node.
 */
export function runPhase<R>(
  module: string,
  args: string[],
  options: { input?: string; nodeFlags?: string[] } = {},
): Promise<R> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', module, ...args], {
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0)
        return reject(new Error(`bench phase ${args.join(' ').slice(0, 80)} exited (${String(code)})`));
      resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as R);
    });
  });
}

/** All of stdin, in a phase child. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** POSTs a query body to the fake with node:https and returns the response text. */
export function postQuery(endpoint: string, workspaceId: string, body: string): Promise<string> {
  const url = new URL(`${endpoint}/workspaces/${workspaceId}/query`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca: TEST_CA,
        headers: { 'content-type': 'application/json', authorization: 'Bearer fake-token' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
