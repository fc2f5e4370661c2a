import type * as Fs from 'node:fs';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFileStore, JOURNAL_FILE } from '../../src/state/fileStore.js';

/** Faults injected into the file calls the store makes, armed by each test. */
const faults = vi.hoisted(() => ({
  /** Times a temp journal (for compaction) was opened. */
  tmpOpens: 0,
  /** Writes made to each open temp journal. */
  tmpWrites: new Map<number, number>(),
  /** The disk fills up while a temp journal is written (after a first, partial write). */
  diskFull: false,
  /** The open of the journal renamed into place by compaction fails. */
  failOpenAfterRename: false,
  renamed: false,
}));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof Fs>();
  const isTmp = (p: unknown) => String(p).includes('journal.tmp-');
  const fail = (code: string) => Object.assign(new Error(`${code}: injected fault`), { code });
  const openSync = (...args: Parameters<typeof real.openSync>): number => {
    const [path] = args;
    if (faults.renamed && String(path).endsWith('journal')) {
      faults.renamed = false;
      throw fail('EMFILE');
    }
    const fd = real.openSync(...args);
    if (isTmp(path)) {
      faults.tmpOpens++;
      faults.tmpWrites.set(fd, 0);
    }
    return fd;
  };
  const writeSync = (fd: number, buf: Buffer, offset?: number, length?: number, position?: number) => {
    const n = faults.tmpWrites.get(fd);
    if (faults.diskFull && n !== undefined) {
      faults.tmpWrites.set(fd, n + 1);
      if (n > 0) throw fail('ENOSPC');
      // A first write that gets only part of the way.
      return real.writeSync(
        fd,
        buf,
        offset ?? 0,
        Math.min(16, length ?? buf.length - (offset ?? 0)),
        position,
      );
    }
    return real.writeSync(fd, buf, offset, length, position);
  };
  const closeSync = (fd: number) => {
    faults.tmpWrites.delete(fd);
    real.closeSync(fd);
  };
  const renameSync = (from: Fs.PathLike, to: Fs.PathLike) => {
    real.renameSync(from, to);
    if (faults.failOpenAfterRename && isTmp(from)) faults.renamed = true;
  };
  return { ...real, openSync, writeSync, closeSync, renameSync };
});

const dir = mkdtempSync(join(tmpdir(), 'file-compaction-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COMPACT_AT = 4_000;
const pad = 'x'.repeat(100);

describe('file store compaction that fails', () => {
  let n = 0;
  let state = '';
  const stderr: string[] = [];
  beforeEach(() => {
    state = join(dir, `c${String(n++)}`);
    Object.assign(faults, { tmpOpens: 0, diskFull: false, failOpenAfterRename: false, renamed: false });
    stderr.length = 0;
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      stderr.push(String(s));
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const tmpFiles = () => readdirSync(state).filter((f) => f.includes('.tmp-'));
  const journalSize = () => statSync(join(state, JOURNAL_FILE)).size;

  it('reports the write that triggered it as stored, keeps writing, leaves no temp file and tries again later', async () => {
    const store = createFileStore(state, { compactAtBytes: COMPACT_AT });
    await store.put('s', 'k0', { i: -1, pad });
    faults.tmpOpens = 0;
    faults.diskFull = true;
    let i = 0;
    // Until the first compaction is tried: each write is stored, the last one too.
    for (; faults.tmpOpens === 0; i++) {
      expect(i).toBeLessThan(200);
      expect(await store.put('s', `k${String(i % 2)}`, { i, pad })).toBeTypeOf('string');
    }
    const triggering = `k${String((i - 1) % 2)}`;
    expect((await store.get<{ i: number }>('s', triggering))?.value.i).toBe(i - 1);
    expect((await createFileStore(state).get<{ i: number }>('s', triggering))?.value.i).toBe(i - 1);
    expect(tmpFiles()).toEqual([]);
    const told = stderr.filter((s) => s.includes('compact'));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain(join(state, JOURNAL_FILE));
    expect(told[0]).toContain('ENOSPC');

    // Not tried on every batch: the journal first grows by another threshold.
    const failedAt = journalSize();
    for (; journalSize() < failedAt + COMPACT_AT - 500; i++)
      expect(await store.put('s', `k${String(i % 2)}`, { i, pad })).toBeTypeOf('string');
    expect(faults.tmpOpens).toBe(1);
    expect(stderr.filter((s) => s.includes('compact'))).toHaveLength(1);

    // Then tried again, and with room on the disk it succeeds.
    faults.diskFull = false;
    for (let more = 0; faults.tmpOpens === 1; i++, more++) {
      expect(more).toBeLessThan(200);
      expect(await store.put('s', `k${String(i % 2)}`, { i, pad })).toBeTypeOf('string');
    }
    expect(journalSize()).toBeLessThan(1_000);
    expect(tmpFiles()).toEqual([]);
    const fresh = createFileStore(state);
    expect((await fresh.get<{ i: number }>('s', `k${String((i - 1) % 2)}`))?.value.i).toBe(i - 1);
    expect((await fresh.get<{ i: number }>('s', `k${String(i % 2)}`))?.value.i).toBe(i - 2);
  });

  it('keeps working when the compacted journal cannot be opened', async () => {
    const store = createFileStore(state, { compactAtBytes: COMPACT_AT });
    await store.put('s', 'k0', { i: -1, pad });
    faults.tmpOpens = 0;
    faults.failOpenAfterRename = true;
    let i = 0;
    for (; faults.tmpOpens === 0; i++) {
      expect(i).toBeLessThan(200);
      expect(await store.put('s', `k${String(i % 2)}`, { i, pad })).toBeTypeOf('string');
    }
    faults.failOpenAfterRename = false;
    expect(faults.renamed).toBe(false); // the fault did strike
    expect(stderr.filter((s) => s.includes('EMFILE'))).toHaveLength(1);
    // Written at once, while the failed compaction's writer may still hold the lock.
    expect(await store.put('s', 'after', 1)).toBeTypeOf('string');
    expect(await store.put('s', 'after', 2)).toBeTypeOf('string');
    expect((await store.get('s', 'after'))?.value).toBe(2);
    expect((await store.get<{ i: number }>('s', `k${String((i - 1) % 2)}`))?.value.i).toBe(i - 1);
    // Nothing went into the journal that was replaced: another store reads it all.
    const fresh = createFileStore(state);
    expect((await fresh.get('s', 'after'))?.value).toBe(2);
    expect((await fresh.get<{ i: number }>('s', `k${String((i - 1) % 2)}`))?.value.i).toBe(i - 1);
    expect((await fresh.get<{ i: number }>('s', `k${String(i % 2)}`))?.value.i).toBe(i - 2);
    expect(journalSize()).toBeLessThan(COMPACT_AT);
  });
});
