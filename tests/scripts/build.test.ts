import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/assets.js';

const DIST = join(packageRoot(), 'dist');

/**
 * Loads the built functions the way the Functions worker does, in a fresh process: every
 * dist/functions/*.js, with `@azure/functions-core` provided from outside the bundle (the worker's
 * built-in module; here bench/support/functionsHost.cjs, a stand-in that records what is registered).
 * Then runs two handlers, so the code they load on first use is known to be in the build.
 */

const RUN = `
const { readdirSync } = await import('node:fs');
const { join } = await import('node:path');
const dist = process.argv[1];
for (const f of readdirSync(join(dist, 'functions')).filter((f) => f.endsWith('.js')).sort())
  await import(join(dist, 'functions', f));
const registered = globalThis.__registered;
const byName = Object.fromEntries(registered.map((r) => [r.metadata.name, r]));
const ctx = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {}, triggerMetadata: {} };
const report = await byName.digestReport.handler({}, ctx);
const infos = [];
await byName.stateSweep.handler({ isPastDue: false }, { ...ctx, info: (m) => infos.push(m) });
const refused = await byName.silence.handler(
  { method: 'GET', query: new URLSearchParams('t=v1.not-a-real-token'), text: async () => '' },
  ctx,
);
console.log(JSON.stringify({
  functions: registered.map((r) => ({
    name: r.metadata.name,
    trigger: Object.values(r.metadata.bindings).find((b) => b.direction === 'in' && /Trigger$/.test(b.type))?.type,
  })),
  digestReport: report.status,
  silence: refused.status,
  stateSweep: infos,
}));
`;

describe('the build', () => {
  it('holds every function, registered with its trigger, and what their handlers load later', () => {
    const state = mkdtempSync(join(tmpdir(), 'bundle-state-'));
    const host = join(packageRoot(), 'bench', 'support', 'functionsHost.cjs');
    try {
      const out = execFileSync(
        process.execPath,
        ['--require', host, '--input-type=module', '-e', RUN, DIST],
        { encoding: 'utf8', env: { PATH: process.env.PATH, STATE_DIR: state }, cwd: state },
      );
      const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
        functions: { name: string; trigger: string }[];
        digestReport: number;
        silence: number;
        stateSweep: string[];
      };
      const sources = readdirSync(join(packageRoot(), 'functions')).filter((f) => f.endsWith('.ts'));
      expect(result.functions.map((f) => f.name).sort()).toEqual(sources.map((f) => f.slice(0, -3)).sort());
      expect(Object.fromEntries(result.functions.map((f) => [f.name, f.trigger]))).toEqual({
        aksEvents: 'eventGridTrigger',
        alertProcess: 'queueTrigger',
        alertWebhook: 'httpTrigger',
        dailyDigest: 'timerTrigger',
        digestReport: 'httpTrigger',
        failurePoll: 'timerTrigger',
        outboxRetry: 'timerTrigger',
        pollWorker: 'queueTrigger',
        silence: 'httpTrigger',
        stateSweep: 'timerTrigger',
      });
      // The silence function loads its handler and refuses a link that is not signed.
      expect(result.silence).toBe(403);
      // No digest stored yet in an empty state folder; the sweep reads it and deletes nothing.
      expect(result.digestReport).toBe(404);
      expect(result.stateSweep).toEqual([
        expect.stringMatching(/^state sweep: \d+ entries read, deleted none/),
      ]);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
