/**
 * End to end against Prometheus Alertmanager 0.25 (Debian's prometheus-alertmanager, installed here
 * when missing): N distinct failures to one local webhook. Alertmanager gets the N as alerts (one
 * POST of the API per 1,000), group_wait 1s, one webhook receiver, each alert its own group; we get
 * the same N as exported Log Analytics rows through the real CLI (`run --source rows.json --webhook`),
 * one notification each, on the file store and on Table Storage (Azurite). Each time is from the
 * start (the first POST; our process's start) to the N-th arrival at the webhook. Runs interleave
 * (Alertmanager, file, table, floor, ...) and medians are printed, with both peak RSS. The floor is
 * a bare Node process making the same N POSTs of our mean body size over node:http, nothing else:
 * what any Node process that sends them one request each takes.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../src/assets.js';
import { startAzurite } from '../tests/support/azurite.js';
import type { CountingReceiver } from './support/countingReceiver.js';
import { startCountingReceiver } from './support/countingReceiver.js';
import { activityRows, alertmanagerAlerts } from './support/distinctFailures.js';

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const ROUNDS = Number(process.env.BENCH_AM_ROUNDS ?? 3);
const FAILURES = Number(process.env.BENCH_AM_FAILURES ?? 5000);
const TIMEOUT_MS = 300_000;
const root = packageRoot();

/** Alertmanager's binary, installed from Debian when missing (the bench runs as root on the build machines). */
function alertmanagerBinary(): string | undefined {
  if (existsSync(ALERTMANAGER)) return ALERTMANAGER;
  if (process.getuid?.() !== 0) return undefined;
  console.log('installing prometheus-alertmanager (apt-get) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus-alertmanager'], {
    stdio: 'inherit',
    env,
  });
  return existsSync(ALERTMANAGER) ? ALERTMANAGER : undefined;
}

interface Run {
  ms: number;
  peakRssMb: number;
  arrived: number;
}

const freePort = async (): Promise<number> => {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
};

async function runAlertmanager(bin: string, receiver: CountingReceiver): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-am-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: hook',
      "  group_by: ['...']",
      '  group_wait: 1s',
      '  group_interval: 5m',
      '  repeat_interval: 4h',
      'receivers:',
      '  - name: hook',
      '    webhook_configs:',
      `      - url: ${receiver.url}`,
      '        send_resolved: false',
      '',
    ].join('\n'),
  );
  const am = spawn(
    bin,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    for (let i = 0; ; i++) {
      if (i > 300) throw new Error('Alertmanager did not become ready');
      const ready = await fetch(`http://127.0.0.1:${port}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const alerts = alertmanagerAlerts(FAILURES, new Date());
    receiver.reset();
    const started = performance.now();
    const arrived = receiver.waitFor(FAILURES, TIMEOUT_MS);
    for (let i = 0; i < alerts.length; i += 1000) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts.slice(i, i + 1000)),
      });
      if (!res.ok) throw new Error(`Alertmanager answered ${res.status}: ${await res.text()}`);
    }
    const last = await arrived;
    const status = readFileSync(`/proc/${String(am.pid)}/status`, 'utf8');
    const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { ms: last - started, peakRssMb: hwmKb / 1024, arrived: receiver.count };
  } finally {
    const gone = new Promise((resolve) => am.once('exit', resolve));
    am.kill();
    await gone;
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runOurs(
  rowsFile: string,
  receiver: CountingReceiver,
  env: NodeJS.ProcessEnv,
  state: string[],
): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ours-'));
  receiver.reset();
  const started = performance.now();
  const arrived = receiver.waitFor(FAILURES, TIMEOUT_MS);
  const child = spawn(
    process.execPath,
    [
      '--require',
      join(root, 'bench', 'support', 'reportMaxRss.cjs'),
      join(root, 'dist', 'src', 'cli.js'),
      'run',
      '--source',
      rowsFile,
      '--webhook',
      receiver.url,
      ...state.map((s) => s.replace('<dir>', join(dir, 'state'))),
      '--out',
      join(dir, 'out'),
      '--quiet',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const last = await Promise.race([
      arrived,
      exited.then(async (code) => {
        // Exited: everything it delivered has arrived, or it failed.
        if (receiver.count >= FAILURES) return arrived;
        throw new Error(`run exited ${String(code)} after ${receiver.count} arrived:\n${stdout}\n${stderr}`);
      }),
    ]);
    await exited;
    const kb = Number(/max-rss-kb (\d+)/.exec(stderr)?.[1] ?? 0);
    return { ms: last - started, peakRssMb: kb / 1024, arrived: receiver.count };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The floor for any Node process: the same number of POSTs of our body size, nothing else (bareSender.mjs). */
async function runBareSender(receiver: CountingReceiver, bodyBytes: number): Promise<Run> {
  receiver.reset();
  const started = performance.now();
  const arrived = receiver.waitFor(FAILURES, TIMEOUT_MS);
  const child = spawn(
    process.execPath,
    [
      '--require',
      join(root, 'bench', 'support', 'reportMaxRss.cjs'),
      join(root, 'bench', 'support', 'bareSender.mjs'),
      receiver.url,
      String(FAILURES),
      String(bodyBytes),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bare sender exited ${String(code)}: ${stderr}`);
  const last = await arrived;
  const kb = Number(/max-rss-kb (\d+)/.exec(stderr)?.[1] ?? 0);
  return { ms: last - started, peakRssMb: kb / 1024, arrived: receiver.count };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function runAlertmanagerBench(): Promise<void> {
  const bin = alertmanagerBinary();
  if (!bin) {
    console.log('\nalertmanager: prometheus-alertmanager is not installed and cannot be (not root); skipped');
    return;
  }
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  if (!existsSync(join(root, 'dist', 'src', 'cli.js')))
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const receiver = await startCountingReceiver();
  const azurite = await startAzurite(['table']);
  const work = mkdtempSync(join(tmpdir(), 'bench-am-rows-'));
  const rowsFile = join(work, 'rows.json');
  writeFileSync(rowsFile, JSON.stringify(activityRows(FAILURES, new Date())));
  const am: Run[] = [];
  const file: Run[] = [];
  const table: Run[] = [];
  const bare: Run[] = [];
  // Our bodies' mean size, from the file-store runs: the floor sends bodies as large.
  let bodyBytes = 0;
  let bodies = 0;
  const countBody = (body: string) => {
    bodyBytes += Buffer.byteLength(body);
    bodies++;
  };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      am.push(await runAlertmanager(bin, receiver));
      receiver.onBody = countBody;
      file.push(await runOurs(rowsFile, receiver, {}, ['--state', '<dir>']));
      receiver.onBody = undefined;
      bare.push(await runBareSender(receiver, Math.round(bodyBytes / Math.max(1, bodies))));
      table.push(
        await runOurs(
          rowsFile,
          receiver,
          {
            STATE_STORE: 'table',
            STATE_TABLE_CONNECTION_STRING: azurite.connectionString,
            STATE_TABLE_NAME: `benchround${round}`,
          },
          [],
        ),
      );
    }
  } finally {
    await receiver.close();
    await azurite.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const ms = (runs: Run[]) => median(runs.map((r) => r.ms));
  const rss = (runs: Run[]) => median(runs.map((r) => r.peakRssMb));
  const amMs = ms(am);
  const line = (name: string, runs: Run[]) =>
    `  ${name.padEnd(40)} ${(ms(runs) / 1000).toFixed(2).padStart(7)} s  ${((FAILURES / ms(runs)) * 1000).toFixed(0).padStart(6)}/s  peak RSS ${rss(runs).toFixed(0).padStart(4)} MB  ${(ms(runs) / amMs).toFixed(2)}x`;
  console.log(
    `\nalertmanager: ${FAILURES.toLocaleString('en')} distinct failures to one local webhook, end to end, median of ${ROUNDS} interleaved runs (${version.trim()})`,
  );
  console.log(line('Alertmanager (group_wait 1s), baseline', am));
  console.log(line('run --webhook, file store', file));
  console.log(line('run --webhook, Table Storage (Azurite)', table));
  console.log(line('floor: node:http sends alone, no pipeline', bare));
  const each = (runs: Run[]) => runs.map((r) => (r.ms / 1000).toFixed(2)).join(', ');
  console.log(`  each time: ${[am, file, table, bare].map(each).join(' / ')} s`);
  const fileRatio = Number((ms(file) / amMs).toFixed(2));
  const tableRatio = Number((ms(table) / amMs).toFixed(2));
  console.log(
    JSON.stringify({
      bench: 'alertmanager',
      failures: FAILURES,
      alertmanagerMs: Math.round(amMs),
      fileMs: Math.round(ms(file)),
      tableMs: Math.round(ms(table)),
      alertmanagerPeakRssMb: Math.round(rss(am)),
      filePeakRssMb: Math.round(rss(file)),
      tablePeakRssMb: Math.round(rss(table)),
      nodeFloorMs: Math.round(ms(bare)),
      nodeFloorRatio: Number((ms(bare) / amMs).toFixed(2)),
      fileRatio,
      tableRatio,
      ratio: Math.max(fileRatio, tableRatio),
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runAlertmanagerBench();
