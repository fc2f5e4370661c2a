import { execFile, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { claimOnce } from '../../src/state/dedup.js';
import { readHealth } from '../../src/state/deliveryHealth.js';
import { createFileStore, JOURNAL_FILE } from '../../src/state/fileStore.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'file-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const src = (p: string) => JSON.stringify(resolve('src/state', p));

/** A writer keeps the lock for the batches that follow at once, then lets it go. */
async function lockReleased(state: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!existsSync(join(state, 'journal.lock'))) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

describe('file store shared by several processes', () => {
  /** Four processes at once: each tries one claim and counts 15 deliveries by conditional writes. */
  async function race(state: string): Promise<void> {
    const script = join(dir, 'worker.mts');
    writeFileSync(
      script,
      `import { createFileStore } from ${src('fileStore.ts')};
import { recordHealth } from ${src('deliveryHealth.ts')};
import { claimOnce } from ${src('dedup.ts')};
const store = createFileStore(process.argv[2]);
const at = new Date('2026-11-22T12:00:00Z');
const won = await claimOnce(store, 'race', 'k', 3_600_000, at);
for (let i = 0; i < 15; i++) await recordHealth(store, at, 'ops', 'delivered');
process.stdout.write(won ? 'won' : 'lost');
`,
    );
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', script, state], { cwd: resolve('.') }),
      ),
    );
    expect(outputs.map((o) => o.stdout).filter((s) => s === 'won')).toHaveLength(1);
    const at = new Date('2026-11-22T12:00:00Z');
    expect((await readHealth(createFileStore(state), at, at)).ops?.delivered).toBe(60);
    expect(await claimOnce(createFileStore(state), 'race', 'k', 3_600_000, at)).toBe(false);
  }

  it('loses no conditional write and grants a claim once when separate processes race', async () => {
    await race(join(dir, 'state'));
  }, 60_000);

  it('the same when they all find the lock of a process that died holding it', async () => {
    const state = join(dir, 'state-stale');
    mkdirSync(state, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(state, 'journal.lock'), JSON.stringify({ host: hostname(), pid: dead, id: 'gone' }));
    await race(state);
    // The dead holder's lock was taken over and nothing was left behind (no lock, no moved-aside lock).
    expect(await lockReleased(state)).toBe(true);
    expect(readdirSync(state).filter((f) => f.startsWith('journal.lock'))).toEqual([]);
  }, 60_000);
});

describe('file store journal', () => {
  let n = 0;
  const fresh = () => join(dir, `j${String(n++)}`);

  it('keeps keys that differ only in case apart', async () => {
    const store = createFileStore(fresh());
    expect(await store.create('Scope', 'ops|N-1', 'upper')).toBeTypeOf('string');
    expect(await store.create('Scope', 'ops|n-1', 'lower')).toBeTypeOf('string');
    expect((await store.get('Scope', 'ops|N-1'))?.value).toBe('upper');
    expect((await store.get('Scope', 'ops|n-1'))?.value).toBe('lower');
  });

  it('ignores a torn last line (a writer killed mid-append) and cuts it off before the next write', async () => {
    const state = fresh();
    const a = createFileStore(state);
    await a.put('s', 'one', 1);
    await a.put('s', 'two', 2);
    const journal = join(state, JOURNAL_FILE);
    const whole = readFileSync(journal, 'utf8');
    appendFileSync(journal, whole.slice(0, 30)); // half a line, no newline
    const b = createFileStore(state);
    expect((await b.get('s', 'two'))?.value).toBe(2);
    await b.put('s', 'three', 3);
    const c = createFileStore(state);
    expect((await c.get('s', 'one'))?.value).toBe(1);
    expect((await c.get('s', 'three'))?.value).toBe(3);
    expect(readFileSync(journal, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('two stores on one folder in one process see each other at once', async () => {
    const state = fresh();
    const a = createFileStore(state);
    const b = createFileStore(state);
    const v = await a.put('s', 'k', 'a');
    expect(await b.get('s', 'k')).toEqual({ value: 'a', version: v });
    const w = await b.put('s', 'k', 'b', v);
    expect(w).toBeTypeOf('string');
    expect(await a.put('s', 'k', 'stale', v)).toBeUndefined();
    expect(await a.delete('s', 'k', w)).toBe(true);
    expect(await b.get('s', 'k')).toBeUndefined();
  });

  it('takes over the lock of a process that died holding it', async () => {
    const state = fresh();
    await createFileStore(state).put('s', 'k', 1);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(state, 'journal.lock'), JSON.stringify({ host: hostname(), pid: dead, id: 'x' }));
    const started = Date.now();
    expect(await createFileStore(state).put('s', 'k', 2)).toBeTypeOf('string');
    expect(Date.now() - started).toBeLessThan(20_000); // far below the 30 s after which any lock is stale
    expect(await lockReleased(state)).toBe(true);
  });

  it('compacts a journal of superseded records and keeps every live entry', async () => {
    const state = fresh();
    const store = createFileStore(state, { compactAtBytes: 20_000 });
    for (let i = 0; i < 200; i++) await store.put('s', `k${String(i % 10)}`, { i, pad: 'x'.repeat(100) });
    await store.delete('s', 'k3');
    const size = statSync(join(state, JOURNAL_FILE)).size;
    expect(size).toBeLessThan(20_000);
    const other = createFileStore(state);
    const keys: string[] = [];
    for await (const e of other.list<{ i: number }>('s')) keys.push(`${e.key}=${String(e.value.i)}`);
    expect(keys).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9].map((k) => `k${String(k)}=${String(190 + k)}`));
  });

  it('takes in a state folder written by earlier versions (a file per entry)', async () => {
    const state = fresh();
    mkdirSync(join(state, 'outbox-pending'), { recursive: true });
    mkdirSync(join(state, 'notify-^groups'), { recursive: true });
    writeFileSync(
      join(state, 'outbox-pending', 'ops%7cn-1.json'),
      JSON.stringify({ key: 'ops|n-1', version: 'v1', value: { id: 'n-1' } }),
    );
    writeFileSync(
      join(state, 'notify-^groups', 'g.json'),
      JSON.stringify({ key: 'g', version: 'v2', value: { open: true } }),
    );
    const store = createFileStore(state);
    expect(await store.get('outbox-pending', 'ops|n-1')).toEqual({ value: { id: 'n-1' }, version: 'v1' });
    expect(await store.put('notify-Groups', 'g', { open: false }, 'v2')).toBeTypeOf('string');
    expect(await lockReleased(state)).toBe(true);
    expect(readdirSync(state).sort()).toEqual([JOURNAL_FILE]);
  });

  it('takes in an entry of an earlier version written without a value (as null)', async () => {
    const state = fresh();
    mkdirSync(join(state, 'outbox-pending'), { recursive: true });
    writeFileSync(join(state, 'outbox-pending', 'k.json'), JSON.stringify({ key: 'k', version: 'v3' }));
    const store = createFileStore(state);
    expect(await store.get('outbox-pending', 'k')).toEqual({ value: null, version: 'v3' });
    expect(await createFileStore(state).get('outbox-pending', 'k')).toEqual({ value: null, version: 'v3' });
  });

  it('keeps its journal open when reopening fails, and reads on once the journal is back', async () => {
    const state = fresh();
    const a = createFileStore(state);
    await a.put('s', 'k', 1);
    expect(await lockReleased(state)).toBe(true);
    rmSync(join(state, JOURNAL_FILE));
    await expect(a.put('s', 'k', 2)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await lockReleased(state)).toBe(true);
    // Still the missing journal, not a closed descriptor (EBADF).
    await expect(a.get('s', 'k')).rejects.toMatchObject({ code: 'ENOENT' });
    await createFileStore(state).put('s', 'k', 3);
    expect((await a.get('s', 'k'))?.value).toBe(3);
  });

  it('stops retrying when the lock cannot be taken after an unreadable record was seen', async () => {
    const state = fresh();
    const setup = createFileStore(state);
    await setup.put('s', 'k', 1);
    expect(await lockReleased(state)).toBe(true);
    appendFileSync(join(state, JOURNAL_FILE), 'not a journal line\n');
    const script = join(dir, 'lock-fails.mts');
    writeFileSync(
      script,
      `import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createFileStore } from ${src('fileStore.ts')};
const store = createFileStore(process.argv[2], { onCorrupt: () => undefined });
await store.get('s', 'k'); // takes in the unreadable line: a compaction is owed
rmSync(join(process.argv[2], 'journal')); // every lock now fails
const outcome = await store.put('s', 'k', 2).then(
  () => 'stored',
  (err) => String(err.code),
);
await new Promise((r) => setTimeout(r, 50)); // never fires while the commit loop spins
process.stdout.write(outcome);
`,
    );
    const out = await run(process.execPath, ['--import', 'tsx', script, state], {
      cwd: resolve('.'),
      timeout: 20_000,
    });
    expect(out.stdout).toBe('ENOENT');
  }, 30_000);
});
