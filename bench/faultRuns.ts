/**
 * Long runs under faults, each ending with the tally a person would check: failures in,
 * notifications out, failures lost, failures reported twice, dead-lettered.
 *
 * 1. SIGKILL: the real CLI (`run --source rows.json --config routing.yaml`, file store) killed with
 *    SIGKILL at random moments, again and again, then run until nothing is pending. 400 failures:
 *    300 alone and 20 groups of 5 (a 2 s group window, so the updates go out within the run).
 * 2. A receiver failing 30%: a simulated day of the timer path (a batch of failures every minute,
 *    4,000 in all, then delivery of what is due), the receiver answering 500 to 30% of requests
 *    for 23 hours and healing for the last; the file store, on a simulated clock.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../src/assets.js';
import { DEFAULT_POLICY } from '../src/notify/policy.js';
import { createPipeline } from '../src/pipeline/pipeline.js';
import { processSignals, releaseDue } from '../src/pipeline/processSignals.js';
import { listOutbox } from '../src/deliver/outbox.js';
import { createFileStore } from '../src/state/fileStore.js';
import { seeded } from '../tests/support/seeded.js';
import { poolFailure, routingTo } from '../tests/support/faultScenario.js';
import type { CountingReceiver } from './support/countingReceiver.js';
import { startCountingReceiver } from './support/countingReceiver.js';
import { activityRows } from './support/distinctFailures.js';

const root = packageRoot();

interface Body {
  id: string;
  status: string;
  update?: { firstId: string };
  failures: { sourceId: string }[];
}

/** Failures reported per source id (an update counts what its first notification did not). */
function reported(bodies: ReadonlyMap<string, Body>): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of bodies.values()) {
    const first = n.update ? bodies.get(n.update.firstId) : undefined;
    const already = new Set(first?.failures.map((f) => f.sourceId) ?? []);
    for (const f of n.failures)
      if (!already.has(f.sourceId)) out.set(f.sourceId, (out.get(f.sourceId) ?? 0) + 1);
  }
  return out;
}

function summary(
  name: string,
  t: { in: number; out: number; lost: number; repeated: number; dead: number; redelivered: number },
) {
  console.log(
    `  ${name.padEnd(44)} failures in ${t.in}, notifications out ${t.out}, lost ${t.lost}, repeated ${t.repeated}, dead-lettered ${t.dead} (at-least-once repeats of one id: ${t.redelivered})`,
  );
}

/** Keeps the bodies the receiver accepted, by id. */
function collect(receiver: CountingReceiver): { bodies: Map<string, Body>; accepted: () => number } {
  const bodies = new Map<string, Body>();
  let accepted = 0;
  receiver.onBody = (text) => {
    accepted++;
    const b = JSON.parse(text) as Body;
    bodies.set(b.id, b);
  };
  return { bodies, accepted: () => accepted };
}

async function sigkillRuns(kills: number): Promise<void> {
  const receiver = await startCountingReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'bench-kill-'));
  try {
    const at = new Date();
    const alone = activityRows(300, at);
    const grouped = activityRows(20, at).flatMap((row, g) =>
      Array.from({ length: 5 }, (_, i) => ({
        ...row,
        EventDataId: `b0b0b0b0-0000-4000-8000-${String(g * 10 + i).padStart(12, '0')}`,
        _ResourceId: String(row._ResourceId).replace('aks-', 'grp-').replace('userpool', `pool${i}`),
      })),
    );
    const rows = [...alone, ...grouped];
    writeFileSync(join(dir, 'rows.json'), JSON.stringify(rows));
    writeFileSync(
      join(dir, 'routing.yaml'),
      'receivers:\n  - { name: hook, type: generic, url: { setting: HOOK_URL } }\nroutes:\n  - { name: all, receivers: [hook] }\ngrouping:\n  window: 2s\n',
    );
    const { bodies, accepted } = collect(receiver);
    const random = seeded(12);
    const run = (killAfterMs?: number) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            join(root, 'dist', 'src', 'cli.js'),
            'run',
            '--source',
            join(dir, 'rows.json'),
            '--config',
            join(dir, 'routing.yaml'),
            '--state',
            join(dir, 'state'),
            '--out',
            join(dir, 'out'),
            '--quiet',
          ],
          { stdio: 'ignore', env: { ...process.env, HOOK_URL: receiver.url } },
        );
        const timer =
          killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    for (let k = 0; k < kills; k++) await run(150 + Math.floor(random() * 2500));
    // Then to completion: the last group windows close 2 s after they opened.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 2500));
      await run();
    }
    const store = createFileStore(join(dir, 'state'));
    let dead = 0;
    let pending = 0;
    for await (const _ of listOutbox(store, 'dead')) dead++;
    for await (const _ of listOutbox(store, 'pending')) pending++;
    const counts = reported(bodies);
    const ids = rows.map((r) => String(r.EventDataId));
    const byRow = new Map<string, number>();
    for (const [sourceId, n] of counts) {
      const id = ids.find((x) => sourceId.includes(x));
      if (id) byRow.set(id, (byRow.get(id) ?? 0) + n);
    }
    summary(`SIGKILL x${kills} then run to completion`, {
      in: rows.length,
      out: bodies.size,
      lost: ids.filter((id) => !byRow.has(id)).length,
      repeated: [...byRow.values()].filter((n) => n > 1).length,
      dead,
      redelivered: accepted() - bodies.size,
    });
    if (pending > 0) console.log(`  (${pending} still pending in the outbox)`);
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function flakyDay(): Promise<void> {
  const random = seeded(30);
  const receiver = await startCountingReceiver(random);
  const dir = mkdtempSync(join(tmpdir(), 'bench-flaky-'));
  try {
    const { bodies, accepted } = collect(receiver);
    let clock = Date.parse('2026-11-21T00:00:00Z');
    const store = createFileStore(dir);
    const p = createPipeline(
      { store, routing: routingTo(receiver.url), policy: DEFAULT_POLICY, now: () => new Date(clock) },
      { maxAttempts: 8, maxAgeMs: 86_400_000, timeoutMs: 5_000 },
    );
    const MIN = 60_000;
    const total = 4000;
    const ticks = 24 * 60;
    let sent = 0;
    receiver.faultRate = 0.3;
    for (let t = 0; t < ticks + 120; t++) {
      if (t === 23 * 60) receiver.faultRate = 0; // healed for the last hour (and the two after)
      const due = t < ticks ? Math.round(((t + 1) * total) / ticks) - sent : 0;
      const batch = Array.from({ length: due }, (_, i) =>
        poolFailure(
          `f-${sent + i}`,
          `aks-${String(sent + i).padStart(5, '0')}`,
          'pool1',
          clock - Date.parse('2026-11-21T03:00:00Z'),
        ),
      );
      sent += due;
      if (batch.length > 0) await processSignals(p.deps, batch);
      await releaseDue(p.deps);
      await p.deliver();
      clock += MIN;
    }
    let dead = 0;
    let pending = 0;
    for await (const _ of listOutbox(store, 'dead')) dead++;
    for await (const _ of listOutbox(store, 'pending')) pending++;
    const counts = reported(bodies);
    summary('receiver failing 30% for 23 h, then healed', {
      in: total,
      out: bodies.size,
      lost: Array.from({ length: total }, (_, i) => `f-${i}`).filter((id) => !counts.has(id)).length,
      repeated: [...counts.values()].filter((n) => n > 1).length,
      dead,
      redelivered: accepted() - bodies.size,
    });
    if (pending > 0) console.log(`  (${pending} still pending)`);
    console.log(
      JSON.stringify({
        bench: 'fault-runs',
        failures: total,
        notifications: bodies.size,
        lost: total - counts.size,
        deadLettered: dead,
        ratio: Number(((total - counts.size + dead) / total).toFixed(4)),
      }),
    );
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runFaultRunsBench(): Promise<void> {
  console.log('\nfault runs: what a person would count afterwards');
  await sigkillRuns(Number(process.env.BENCH_KILLS ?? 20));
  await flakyDay();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runFaultRunsBench();
