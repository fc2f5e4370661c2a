/**
 * End to end against Prometheus Alertmanager 0.25: N distinct failures to one local webhook.
 * Alertmanager gets the N as alerts (one POST of the API per 1,000), group_wait 1s, one webhook
 * receiver, each alert its own group; we get the same N as exported Log Analytics rows through the
 * real CLI (`run --source rows.json --webhook`), one notification each, on the file store and on
 * Table Storage (Azurite). Each time is from the start (the first POST; our process's start) to the
 * N-th arrival at the webhook. Runs interleave (Alertmanager, file, floor, table, ...) and medians are
 * printed, with peak RSS and the CPU each sending process used (all its threads: Alertmanager's up to
 * the N-th arrival, ours to exit), which says how much of the machine each needs. The floor is a bare Node process making the same N POSTs of our mean body
 * size over node:http, nothing else: what any Node process sending one request each takes.
 *
 * Alertmanager comes from ALERTMANAGER_PATH, else PATH, else Debian's prometheus-alertmanager,
 * installed here when running as root. No npm package ships it: without it the ratios are taken
 * against the floor.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../src/assets.js';
import { startAzurite } from '../tests/support/azurite.js';
import type { CountingReceiver } from './support/countingReceiver.js';
import { startCountingReceiver } from './support/countingReceiver.js';
import { activityRows, alertmanagerAlerts } from './support/distinctFailures.js';
import { median } from './support/stats.js';

const ROUNDS = Number(process.env.BENCH_AM_ROUNDS ?? 3);
const FAILURES = Number(process.env.BENCH_AM_FAILURES ?? 5000);
const TIMEOUT_MS = 300_000;
const root = packageRoot();

/** Alertmanager's binary under the names Debian and the upstream release give it. */
const NAMES = ['prometheus-alertmanager', 'alertmanager'];

/** The first of NAMES on PATH (no npm package ships Alertmanager). */
function onPath(): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter).filter(Boolean))
    for (const name of NAMES) if (existsSync(join(folder, name))) return join(folder, name);
  return undefined;
}

/**
 * Alertmanager's binary: ALERTMANAGER_PATH, else on PATH, else installed from Debian when this runs
 * as root (the build machines). Without it the bench still runs, against the node:http floor.
 */
function alertmanagerBinary(): string | undefined {
  const given = process.env.ALERTMANAGER_PATH?.trim();
  if (given) return given;
  const found = onPath();
  if (found || process.getuid?.() !== 0) return found;
  console.log('installing prometheus-alertmanager (apt-get) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus-alertmanager'], {
    stdio: 'inherit',
    env,
  });
  return onPath();
}

interface Run {
  ms: number;
  peakRssMb: number;
  /** CPU the sending process used (user + system, all its threads), start to end. */
  cpuMs: number;
  arrived: number;
}

/** Clock ticks per second, the unit of CPU times in /proc/<pid>/stat. */
const clockTicks = (): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
};

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
    // Fields 14 and 15 (utime, stime), counted after the command name, which may hold spaces.
    const stat = readFileSync(`/proc/${String(am.pid)}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    return {
      ms: last - started,
      peakRssMb: hwmKb / 1024,
      cpuMs: (ticks * 1000) / clockTicks(),
      arrived: receiver.count,
    };
  } finally {
    const gone = new Promise((resolve) => am.once('exit', resolve));
    am.kill();
    await gone;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Times a Node process that sends to the receiver: from its start to the N-th arrival. It exits once
 * it is done sending; its peak RSS comes from reportMaxRss.cjs.
 */
async function runSender(
  receiver: CountingReceiver,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  receiver.reset();
  const started = performance.now();
  const arrived = receiver.waitFor(FAILURES, TIMEOUT_MS);
  const child = spawn(
    process.execPath,
    ['--require', join(root, 'bench', 'support', 'reportMaxRss.cjs'), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  let output = '';
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const last = await Promise.race([
    arrived,
    exited.then(async (code) => {
      // Exited: everything it sent has arrived, or it failed.
      if (receiver.count >= FAILURES) return arrived;
      throw new Error(`${args[0] ?? ''} exited ${String(code)} after ${receiver.count} arrived:\n${output}`);
    }),
  ]);
  await exited;
  const kb = Number(/max-rss-kb (\d+)/.exec(output)?.[1] ?? 0);
  const cpuUs = Number(/cpu-us (\d+)/.exec(output)?.[1] ?? 0);
  return { ms: last - started, peakRssMb: kb / 1024, cpuMs: cpuUs / 1000, arrived: receiver.count };
}

/** `run --webhook` on the rows, with a state folder of its own or the store `env` selects. */
async function runOurs(rowsFile: string, receiver: CountingReceiver, env: NodeJS.ProcessEnv): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ours-'));
  const cli = [join(root, 'dist', 'src', 'cli.js'), 'run', '--source', rowsFile, '--webhook', receiver.url];
  const state = env.STATE_STORE === 'table' ? [] : ['--state', join(dir, 'state')];
  try {
    return await runSender(receiver, [...cli, ...state, '--out', join(dir, 'out'), '--quiet'], env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The floor for any Node process: the same number of POSTs of our body size, nothing else (bareSender.mjs). */
const runBareSender = (receiver: CountingReceiver, bodyBytes: number): Promise<Run> =>
  runSender(receiver, [
    join(root, 'bench', 'support', 'bareSender.mjs'),
    receiver.url,
    String(FAILURES),
    String(bodyBytes),
  ]);

export async function runAlertmanagerBench(): Promise<void> {
  const bin = alertmanagerBinary();
  const version = bin
    ? (execFileSync(bin, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '').trim()
    : 'no Alertmanager (looked at ALERTMANAGER_PATH, PATH, apt-get when root): ratios against the node:http floor';
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
      if (bin) am.push(await runAlertmanager(bin, receiver));
      receiver.onBody = countBody;
      file.push(await runOurs(rowsFile, receiver, {}));
      receiver.onBody = undefined;
      bare.push(await runBareSender(receiver, Math.round(bodyBytes / Math.max(1, bodies))));
      table.push(
        await runOurs(rowsFile, receiver, {
          STATE_STORE: 'table',
          STATE_TABLE_CONNECTION_STRING: azurite.connectionString,
          STATE_TABLE_NAME: `benchround${round}`,
        }),
      );
    }
  } finally {
    await receiver.close();
    await azurite.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const ms = (runs: Run[]) => median(runs.map((r) => r.ms));
  const rss = (runs: Run[]) => median(runs.map((r) => r.peakRssMb));
  // The baseline: Alertmanager, or the node:http floor where Alertmanager cannot be had.
  const base = bin ? am : bare;
  const baseMs = ms(base);
  const ratio = (runs: Run[]) => Number((ms(runs) / baseMs).toFixed(2));
  const cpu = (runs: Run[]) => median(runs.map((r) => r.cpuMs));
  const line = (name: string, runs: Run[]) =>
    `  ${name.padEnd(40)} ${(ms(runs) / 1000).toFixed(2).padStart(7)} s  ${((FAILURES / ms(runs)) * 1000).toFixed(0).padStart(6)}/s  peak RSS ${rss(runs).toFixed(0).padStart(4)} MB  CPU ${(cpu(runs) / 1000).toFixed(2).padStart(5)} s  ${ratio(runs).toFixed(2)}x`;
  console.log(
    `\nalertmanager: ${FAILURES.toLocaleString('en')} distinct failures to one local webhook, end to end, median of ${ROUNDS} interleaved runs (${version})`,
  );
  if (bin) console.log(line('Alertmanager (group_wait 1s), baseline', am));
  console.log(line('run --webhook, file store', file));
  console.log(line('run --webhook, Table Storage (Azurite)', table));
  console.log(line('floor: node:http sends alone, no pipeline', bare));
  const each = (runs: Run[]) => runs.map((r) => (r.ms / 1000).toFixed(2)).join(', ');
  console.log(
    `  each time: ${(bin ? [am, file, table, bare] : [file, table, bare]).map(each).join(' / ')} s`,
  );
  console.log(
    JSON.stringify({
      bench: 'alertmanager',
      failures: FAILURES,
      baseline: bin ? 'alertmanager' : 'node-floor',
      ...(bin
        ? {
            alertmanagerMs: Math.round(baseMs),
            alertmanagerPeakRssMb: Math.round(rss(am)),
            alertmanagerCpuMs: Math.round(cpu(am)),
          }
        : {}),
      fileMs: Math.round(ms(file)),
      tableMs: Math.round(ms(table)),
      filePeakRssMb: Math.round(rss(file)),
      tablePeakRssMb: Math.round(rss(table)),
      fileCpuMs: Math.round(cpu(file)),
      tableCpuMs: Math.round(cpu(table)),
      nodeFloorMs: Math.round(ms(bare)),
      nodeFloorCpuMs: Math.round(cpu(bare)),
      nodeFloorRatio: ratio(bare),
      fileRatio: ratio(file),
      tableRatio: ratio(table),
      ratio: Math.max(ratio(file), ratio(table)),
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runAlertmanagerBench();
