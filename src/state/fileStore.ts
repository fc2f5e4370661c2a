import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fdatasync,
  fstatSync,
  linkSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import type { KeyValueStore, StoredEntry, Versioned } from './keyValueStore.js';
import { countSetAside } from './deliveryHealth.js';
import { hasLegacy, legacyEntries, removeLegacy } from './legacyStateFiles.js';
import { goneFromThisHost, thisProcess } from './processLiveness.js';

/** A record that could not be read, set aside. */
export interface CorruptRecord {
  file: string;
  problem: string;
  movedTo: string;
}

export interface FileStoreOptions {
  /** Told of each corrupt record set aside (default: a warning on stderr naming the file). */
  onCorrupt?: (record: CorruptRecord) => void;
  /** Rewrite the journal once it is this large and mostly superseded records (default 64 MiB). */
  compactAtBytes?: number;
}

/** Where an entry's value lies in the journal. */
interface Entry {
  version: string;
  /** The line's first byte. */
  start: number;
  /** The value's JSON: its first byte and length in bytes (the line ends one byte after it). */
  pos: number;
  len: number;
}

interface OpBase {
  scope: string;
  key: string;
  fail: (err: unknown) => void;
}

type Op = OpBase &
  (
    | { kind: 'create'; json: string; done: (v: string | undefined) => void }
    | { kind: 'put'; json: string; ifVersion: string | undefined; done: (v: string | undefined) => void }
    | { kind: 'delete'; ifVersion: string | undefined; done: (v: boolean) => void }
  );

export const JOURNAL_FILE = 'journal';
const LOCK_FILE = 'journal.lock';
/** A lock older than this is taken over even from a live holder: a commit never takes this long. */
const STALE_LOCK_MS = 30_000;
/** Compaction rewrites the journal once it is this large and mostly superseded records. */
const COMPACT_MIN_BYTES = 64 * 1024 * 1024;
const READ_CHUNK = 4 * 1024 * 1024;
/** A writer holds the lock across consecutive batches this long at most. */
const HOLD_LOCK_MS = 200;

/** A value's JSON (`undefined` is stored as null, as JSON has no undefined). */
const jsonOf = (value: unknown): string => (value === undefined ? 'null' : JSON.stringify(value));
const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const isCode = (err: unknown, code: string): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
/** The bytes of an entry's whole line, newline included. */
const lineLength = (e: Entry) => e.pos + e.len + 1 - e.start;

/**
 * One journal line: `<crc32 of the rest, 8 hex> [scope,key,version]<TAB><value JSON>`, or `[scope,key]`
 * for a delete; as bytes, with the offset of the value's first byte (each value is encoded once).
 */
function lineOf(scope: string, key: string, version: string | undefined, json: string | undefined) {
  const head = Buffer.from(JSON.stringify(version === undefined ? [scope, key] : [scope, key, version]));
  const value = json === undefined ? undefined : Buffer.from(json);
  const bytes = Buffer.allocUnsafe(9 + head.length + (value ? value.length + 1 : 0) + 1);
  head.copy(bytes, 9);
  let end = 9 + head.length;
  if (value) {
    bytes[end++] = 0x09;
    value.copy(bytes, end);
    end += value.length;
  }
  bytes.write(hex8(crc32(bytes.subarray(9, end))), 0, 'latin1');
  bytes[8] = 0x20;
  bytes[end] = 0x0a;
  return { bytes, valueAt: 9 + head.length + 1, valueLength: value?.length ?? 0 };
}

/**
 * A KeyValueStore in a local folder, kept as one append-only journal (`journal`): each write is a
 * line (scope, key, version, value) with a checksum, and an index in memory says where each live
 * entry's value lies. Writes issued together are committed together (group commit): one append and
 * one fdatasync for the batch, and no write returns before its batch is on disk. A crash mid-append
 * leaves a torn last line, which is ignored and cut off by the next writer.
 *
 * Several processes (and several stores in one process) can share the folder: a writer holds
 * `journal.lock` (its host and pid; taken over when that process is gone or after 30 s) while it
 * reads what others appended, checks its conditional writes against the up-to-date index, appends
 * and syncs; a read first takes in what others appended. When the journal is mostly superseded
 * records it is rewritten (compaction) to a new file renamed into place.
 *
 * A record that cannot be read (a disk fault, a hand edit) is copied to `.corrupt/`, named on
 * stderr, counted in delivery health and left out (compaction drops it); the rest is read on. A
 * folder written by earlier versions (a JSON file per entry) is taken into the journal on first use.
 */
export function createFileStore(dir: string, options: FileStoreOptions = {}): KeyValueStore {
  const journalPath = join(dir, JOURNAL_FILE);
  const lockPath = join(dir, LOCK_FILE);
  const compactAt = options.compactAtBytes ?? COMPACT_MIN_BYTES;
  const me = { ...thisProcess(), id: randomBytes(6).toString('hex') };
  let versions = 0;
  const nextVersion = () => `${me.id}.${(++versions).toString(36)}`;
  const onCorrupt =
    options.onCorrupt ??
    ((r: CorruptRecord) =>
      process.stderr.write(`state: unreadable record ${r.file} (${r.problem}); moved to ${r.movedTo}\n`));

  let fd: number | undefined;
  /** End of the last complete line taken into the index. */
  let offset = 0;
  let index = new Map<string, Map<string, Entry>>();
  let liveBytes = 0;
  /** Lines found unreadable since the last compaction: dropped by the next one. */
  let corruptSeen = 0;
  /** While this store holds the lock (nothing else appends; our own lines are not taken in twice). */
  let locked = false;
  let queue: Op[] = [];
  let committing = false;
  /** Compaction waits for the journal to reach this size: pushed on after one fails, so it is not retried on every batch. */
  let compactFrom = compactAt;

  const scopeOf = (scope: string) => {
    let s = index.get(scope);
    if (!s) index.set(scope, (s = new Map<string, Entry>()));
    return s;
  };
  const setEntry = (scope: string, key: string, e: Entry | undefined) => {
    const s = scopeOf(scope);
    const old = s.get(key);
    if (old) liveBytes -= lineLength(old);
    if (e) {
      s.set(key, e);
      liveBytes += lineLength(e);
    } else s.delete(key);
  };

  /** Copies an unreadable record to `.corrupt/` and reports it; `inJournal`: the next compaction drops it. */
  function setAside(bytes: Buffer, at: number, problem: string, inJournal = true): void {
    const aside = join(dir, '.corrupt');
    const movedTo = join(aside, `${JOURNAL_FILE}.${String(at)}.${String(Date.now())}`);
    try {
      mkdirSync(aside, { recursive: true });
      writeFileSync(movedTo, bytes);
    } catch {
      // Reported all the same: the record is left out either way.
    }
    if (inJournal) corruptSeen++;
    onCorrupt({ file: `${journalPath} at byte ${String(at)}`, problem, movedTo });
    // Later: the store may be in the middle of reading the journal.
    setImmediate(() => void countSetAside(store));
  }

  /** Takes the complete lines of `buf` (read from `base`) into the index; returns the bytes consumed. */
  function takeLines(buf: Buffer, base: number): number {
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) return start;
      takeLine(buf, start, nl, base);
      start = nl + 1;
    }
  }

  function takeLine(buf: Buffer, start: number, end: number, base: number): void {
    const problem = (() => {
      if (end - start < 10 || buf[start + 8] !== 0x20) return 'not a journal line';
      const crc = Number.parseInt(buf.toString('latin1', start, start + 8), 16);
      if (crc !== crc32(buf.subarray(start + 9, end))) return 'checksum mismatch';
      const tab = buf.indexOf(9, start + 9);
      const headEnd = tab < 0 || tab > end ? end : tab;
      let head: unknown;
      try {
        head = JSON.parse(buf.toString('utf8', start + 9, headEnd));
      } catch {
        return 'unreadable header';
      }
      if (!Array.isArray(head) || typeof head[0] !== 'string' || typeof head[1] !== 'string')
        return 'unreadable header';
      const [scope, key, version] = head as [string, string, unknown];
      if (headEnd === end) setEntry(scope, key, undefined);
      else if (typeof version !== 'string') return 'unreadable header';
      else
        setEntry(scope, key, {
          version,
          start: base + start,
          pos: base + headEnd + 1,
          len: end - headEnd - 1,
        });
      return undefined;
    })();
    if (problem) setAside(Buffer.from(buf.subarray(start, end + 1)), base + start, problem);
  }

  /** Reads the journal from `from` to its end into the index. */
  function readFrom(from: number, size: number): void {
    let at = from;
    let carry: Buffer | undefined;
    while (at < size) {
      const n = Math.min(READ_CHUNK, size - at);
      const chunk = Buffer.allocUnsafe(n);
      const got = readSync(fd as number, chunk, 0, n, at);
      if (got <= 0) break;
      at += got;
      const buf: Buffer = carry ? Buffer.concat([carry, chunk.subarray(0, got)]) : chunk.subarray(0, got);
      const base = at - buf.length;
      const used = takeLines(buf, base);
      offset = base + used;
      carry = used < buf.length ? buf.subarray(used) : undefined;
    }
  }

  function openJournal(): void {
    // Opened before the old one is closed: when the open fails, the store keeps a usable fd.
    const next = openSync(journalPath, 'r+');
    if (fd !== undefined) closeSync(fd);
    fd = next;
    index = new Map();
    liveBytes = 0;
    offset = 0;
    compactFrom = compactAt; // a new journal: a failure to compact the old one no longer counts
    readFrom(0, fstatSync(fd).size);
  }

  /**
   * Opens the journal when not yet open, else takes in what others appended since; reopens it when
   * replaced (compacted) or cut. Throws ENOENT with `fd` still undefined when there is no journal.
   */
  function catchUp(): void {
    if (fd === undefined) {
      openJournal();
      return;
    }
    const st = fstatSync(fd);
    if (st.nlink === 0 || st.size < offset) openJournal();
    else if (st.size > offset) readFrom(offset, st.size);
  }

  /** Takes in what others appended since, unless this store holds the lock (then nobody else appends). */
  function refresh(): void {
    if (locked) return;
    try {
      catchUp();
    } catch (err) {
      if (fd === undefined && isCode(err, 'ENOENT')) return; // nothing written yet
      throw err;
    }
  }

  let legacyChecked = false;
  /** Before the first read: a folder of an earlier version is taken into a journal first. */
  async function reading(): Promise<void> {
    if (!legacyChecked && fd === undefined && !existsSync(journalPath)) {
      legacyChecked = true;
      if (hasLegacy(dir)) {
        await lock();
        unlock();
      }
    }
    refresh();
  }

  function syncDir(): void {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  }

  /**
   * Puts a new journal in place whole (under the lock): `chunks` are written to a temp file, synced
   * and renamed over the journal. On failure the temp file is removed, as nobody else ever would.
   */
  function replaceJournal(chunks: Iterable<Buffer>): void {
    const tmp = join(dir, `${JOURNAL_FILE}.tmp-${me.id}`);
    try {
      const t = openSync(tmp, 'w');
      try {
        for (const buf of chunks) for (let w = 0; w < buf.length;) w += writeSync(t, buf, w, buf.length - w);
        fsyncSync(t);
      } finally {
        closeSync(t);
      }
      renameSync(tmp, journalPath);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        // Never created.
      }
      throw err;
    }
    syncDir();
  }

  /** Creates the journal (from an earlier version's files, if any) under the lock. */
  function createJournal(): void {
    const legacy = legacyEntries(dir);
    replaceJournal(legacy.map((e) => lineOf(e.scope, e.key, e.version, jsonOf(e.value)).bytes));
    if (legacy.length > 0) removeLegacy(dir);
  }

  /** Takes the lock file: written whole under another name, then linked into place (fails when held). */
  function tryLock(): boolean {
    const tmp = `${lockPath}.${me.id}`;
    writeFileSync(tmp, JSON.stringify({ ...me, at: new Date().toISOString() }));
    try {
      linkSync(tmp, lockPath);
      return true;
    } catch (err) {
      if (!isCode(err, 'EEXIST')) throw err;
    } finally {
      unlinkSync(tmp);
    }
    // Held: by a process gone from this host (killed mid-commit), or for far too long, it is taken over.
    let holder: { host?: unknown; pid?: unknown; id?: unknown } = {};
    let age = 0;
    try {
      age = Date.now() - statSync(lockPath).mtimeMs;
      holder = JSON.parse(readFileSync(lockPath, 'utf8')) as typeof holder;
    } catch (err) {
      // Unreadable (a damaged disk): taken over by its age alone.
      if (isCode(err, 'ENOENT')) return false; // released meanwhile
    }
    const gone =
      typeof holder.host === 'string' &&
      typeof holder.pid === 'number' &&
      goneFromThisHost({ host: holder.host, pid: holder.pid });
    if (gone || age > STALE_LOCK_MS) takeOver(holder.id);
    return false;
  }

  /**
   * Removes a stale lock by moving it aside first: when another process replaced it meanwhile (two
   * taking over the same stale lock), that live lock is put back instead of being deleted.
   */
  function takeOver(staleId: unknown): void {
    const aside = `${lockPath}.stale-${me.id}`;
    try {
      renameSync(lockPath, aside);
    } catch {
      return; // another process took it over first
    }
    let moved: { id?: unknown } = {};
    try {
      moved = JSON.parse(readFileSync(aside, 'utf8')) as typeof moved;
    } catch {
      // Unreadable: it was the one judged stale (a holder that died while writing it).
    }
    if (moved.id !== undefined && moved.id !== staleId) {
      try {
        linkSync(aside, lockPath);
      } catch {
        // A third process holds it now; the live holder finishes its batch either way.
      }
    }
    try {
      unlinkSync(aside);
    } catch {
      // Already gone.
    }
  }

  let made = false;
  async function lock(): Promise<void> {
    if (!made) mkdirSync(dir, { recursive: true });
    made = true;
    for (let attempt = 0; !tryLock(); attempt++)
      await sleep(Math.min(20, 1 + attempt) * (0.5 + Math.random()));
    locked = true;
    try {
      // Take in everything others wrote; a torn line a dead writer left at the end is cut off.
      try {
        catchUp();
      } catch (err) {
        if (fd !== undefined || !isCode(err, 'ENOENT')) throw err;
        createJournal();
        openJournal();
      }
      if (fstatSync(fd as number).size > offset) ftruncateSync(fd as number, offset);
    } catch (err) {
      unlock();
      throw err;
    }
  }

  function unlock(): void {
    locked = false;
    try {
      unlinkSync(lockPath);
    } catch {
      // Taken over as stale meanwhile: nothing of ours to remove.
    }
  }

  const datasync = (f: number) =>
    new Promise<void>((resolve, reject) => fdatasync(f, (err) => (err ? reject(err) : resolve())));

  /** Rewrites the journal with only the live entries, renamed into place (under the lock). */
  function compact(): void {
    const f = fd as number;
    const next = new Map<string, Map<string, Entry>>();
    let at = 0;
    /** The live lines, read in batches of about READ_CHUNK bytes. */
    function* liveLines(): Generator<Buffer> {
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      for (const [scope, entries] of index) {
        const s = new Map<string, Entry>();
        for (const [key, e] of entries) {
          const len = lineLength(e);
          const bytes = Buffer.allocUnsafe(len);
          readSync(f, bytes, 0, len, e.start);
          pending.push(bytes);
          pendingBytes += len;
          if (pendingBytes >= READ_CHUNK) {
            yield Buffer.concat(pending);
            pending = [];
            pendingBytes = 0;
          }
          s.set(key, { version: e.version, start: at, pos: at + (e.pos - e.start), len: e.len });
          at += len;
        }
        if (s.size > 0) next.set(scope, s);
      }
      yield Buffer.concat(pending);
    }
    replaceJournal(liveLines());
    // Opened before the old one is closed: when the open fails, `fd` stays usable (on the replaced
    // journal, which the next lock() or read sees unlinked and reopens).
    const opened = openSync(journalPath, 'r+');
    closeSync(f);
    fd = opened;
    index = next;
    offset = at;
    liveBytes = at;
  }

  /**
   * Compacts when the journal is mostly superseded records or holds unreadable ones; false when that
   * failed (reported, and not tried again until the journal grows by another compactAt bytes).
   */
  function compactIfDue(): boolean {
    const wasted = offset >= compactFrom && offset > 2 * liveBytes;
    if (!wasted && corruptSeen === 0) return true;
    corruptSeen = 0; // tried once: a compaction that fails is not retried on every batch
    try {
      compact();
      return true;
    } catch (err) {
      compactFrom = offset + compactAt;
      const problem = err instanceof Error ? err.message : String(err);
      process.stderr.write(
        `state: could not compact ${journalPath} (${problem}); writes go on, tried again once it grows by ${String(compactAt)} bytes\n`,
      );
      return false;
    }
  }

  /** Decides a batch's writes in order, against the index and the batch's own earlier writes. */
  function decide(ops: readonly Op[]) {
    const batch = new Map<string, Map<string, Entry | undefined>>();
    const current = (scope: string, key: string): Entry | undefined => {
      const b = batch.get(scope);
      return b?.has(key) ? b.get(key) : index.get(scope)?.get(key);
    };
    const lines: Buffer[] = [];
    const results: (string | boolean | undefined)[] = [];
    let at = offset;
    const append = (scope: string, key: string, version?: string, json?: string) => {
      const l = lineOf(scope, key, version, json);
      lines.push(l.bytes);
      const e: Entry | undefined =
        version === undefined || json === undefined
          ? undefined
          : { version, start: at, pos: at + l.valueAt, len: l.valueLength };
      at += l.bytes.length;
      let b = batch.get(scope);
      if (!b) batch.set(scope, (b = new Map<string, Entry | undefined>()));
      b.set(key, e);
    };
    for (const op of ops) {
      const cur = current(op.scope, op.key);
      if (op.kind === 'delete') {
        const ok = cur !== undefined && (op.ifVersion === undefined || op.ifVersion === cur.version);
        if (ok) append(op.scope, op.key);
        results.push(ok);
        continue;
      }
      const refused =
        op.kind === 'create'
          ? cur !== undefined
          : op.ifVersion !== undefined && op.ifVersion !== cur?.version;
      if (refused) results.push(undefined);
      else {
        const version = nextVersion();
        append(op.scope, op.key, version, op.json);
        results.push(version);
      }
    }
    return { batch, lines, results, end: at };
  }

  /** Commits one batch (the lock held): one append and one sync. */
  async function commit(ops: readonly Op[]): Promise<(string | boolean | undefined)[]> {
    const { batch, lines, results, end } = decide(ops);
    if (lines.length > 0) {
      const f = fd as number;
      const buf = Buffer.concat(lines);
      try {
        for (let w = 0; w < buf.length;) w += writeSync(f, buf, w, buf.length - w, offset + w);
        await datasync(f);
      } catch (err) {
        // Not on disk: taken back, so nobody reads a write its caller was told failed.
        ftruncateSync(f, offset);
        throw err;
      }
      for (const [scope, entries] of batch) for (const [key, e] of entries) setEntry(scope, key, e);
      offset = end;
    }
    return results;
  }

  /**
   * Commits batch after batch while writes keep coming, holding the lock for at most HOLD_LOCK_MS
   * at a time: taking it costs several file-system calls, and other writers wait only that long.
   */
  async function commitQueued(): Promise<void> {
    while (queue.length > 0 || corruptSeen > 0) {
      try {
        await lock();
      } catch (err) {
        // As after a failed commit: a compaction owed is not retried on every pass, or this never ends.
        corruptSeen = 0;
        const ops = queue;
        queue = [];
        for (const op of ops) op.fail(err);
        continue;
      }
      const since = Date.now();
      try {
        while ((queue.length > 0 || corruptSeen > 0) && Date.now() - since < HOLD_LOCK_MS) {
          const ops = queue;
          queue = [];
          try {
            const results = await commit(ops);
            ops.forEach((op, i) => {
              if (op.kind === 'delete') op.done(results[i] as boolean);
              else op.done(results[i] as string | undefined);
            });
            // Only once the writes are reported: they are on disk, whatever becomes of the compaction.
            // A failed one may have replaced the journal under `fd`: the lock is taken afresh, which reopens it.
            if (!compactIfDue()) break;
          } catch (err) {
            corruptSeen = 0;
            for (const op of ops) op.fail(err);
          }
          // Writes the callers make on hearing back join the next batch while the lock is held.
          await new Promise<void>((r) => setImmediate(r));
        }
      } finally {
        unlock();
      }
    }
  }

  function schedule(): void {
    if (committing) return;
    committing = true;
    // Everything written in this turn of the event loop goes in one batch.
    setImmediate(() => {
      void commitQueued().finally(() => {
        committing = false;
        if (queue.length > 0 || corruptSeen > 0) schedule();
      });
    });
  }

  function submit<T>(make: (done: (v: T) => void, fail: (err: unknown) => void) => Op): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push(make(resolve, reject));
      schedule();
    });
  }

  /** The value of an entry, or undefined when its record is unreadable (then set aside and deleted). */
  function valueOf(scope: string, key: string, e: Entry): { ok: true; value: unknown } | { ok: false } {
    const bytes = Buffer.allocUnsafe(e.len);
    readSync(fd as number, bytes, 0, e.len, e.pos);
    try {
      return { ok: true, value: JSON.parse(bytes.toString('utf8')) };
    } catch (err) {
      const line = Buffer.allocUnsafe(lineLength(e));
      readSync(fd as number, line, 0, line.length, e.start);
      setAside(line, e.start, `not JSON: ${(err as Error).message}`, false);
      void store.delete(scope, key, e.version).catch(() => undefined);
      return { ok: false };
    }
  }

  const store: KeyValueStore = {
    async get<T>(scope: string, key: string): Promise<Versioned<T> | undefined> {
      await reading();
      const e = index.get(scope)?.get(key);
      if (!e) return undefined;
      const v = valueOf(scope, key, e);
      return v.ok ? { value: v.value as T, version: e.version } : undefined;
    },

    create(scope, key, value) {
      const json = jsonOf(value);
      return submit<string | undefined>((done, fail) => ({ kind: 'create', scope, key, json, done, fail }));
    },

    put(scope, key, value, ifVersion) {
      const json = jsonOf(value);
      return submit<string | undefined>((done, fail) => ({
        kind: 'put',
        scope,
        key,
        json,
        ifVersion,
        done,
        fail,
      }));
    },

    delete(scope, key, ifVersion) {
      return submit<boolean>((done, fail) => ({ kind: 'delete', scope, key, ifVersion, done, fail }));
    },

    async *list<T>(scope: string, prefix = ''): AsyncIterable<StoredEntry<T>> {
      await reading();
      const entries = index.get(scope);
      if (!entries) return;
      const keys = [...entries.keys()].filter((k) => k.startsWith(prefix)).sort();
      for (const key of keys) {
        refresh();
        const e = index.get(scope)?.get(key);
        if (!e) continue;
        const v = valueOf(scope, key, e);
        if (v.ok) yield { key, value: v.value as T, version: e.version };
        await Promise.resolve();
      }
    },
  };
  return store;
}
