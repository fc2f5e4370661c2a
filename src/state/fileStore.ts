import { randomUUID, createHash } from 'node:crypto';
import { link, mkdir, open, readFile, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyValueStore, StoredEntry, Versioned } from './keyValueStore.js';
import { recordHealth, STATE_HEALTH_NAME } from './deliveryHealth.js';

interface FileEntry {
  key: string;
  version: string;
  value: unknown;
}

// Split keeps the surrogates (captured) at odd indices.
const LONE_SURROGATE = /([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/;

/**
 * A file-system-safe name, distinct for distinct keys: readable when short, hashed when long. Upper
 * case letters become `^` + the letter, so keys that differ only in case stay apart on
 * case-insensitive file systems (macOS, Windows). A lone surrogate (which encodeURIComponent
 * rejects) becomes `%u` + its code, which no encoded character can produce.
 */
function fileName(key: string): string {
  const parts = key.split(LONE_SURROGATE);
  const readable = parts
    .map((part, i) => (i % 2 === 1 ? `%u${part.charCodeAt(0).toString(16)}` : encodeURIComponent(part)))
    .join('')
    .replace(/[.*!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)
    .replace(/[A-Z]/g, (c) => `^${c.toLowerCase()}`);
  if (readable.length <= 120) return `${readable}.json`;
  // Hashed over UTF-16 when the key has lone surrogates, so keys differing only in those differ.
  const bytes = parts.length > 1 ? Buffer.from(key, 'utf16le') : Buffer.from(key, 'utf8');
  return `${readable.slice(0, 60)}~${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.json`;
}

const isCode = (err: unknown, code: string): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A record that could not be read, set aside. */
export interface CorruptRecord {
  file: string;
  problem: string;
  movedTo: string;
}

export interface FileStoreOptions {
  /** Told of each corrupt record set aside (default: a warning on stderr naming the file). */
  onCorrupt?: (record: CorruptRecord) => void;
}

/**
 * Runs one fsync per directory for every write that finished before it started: concurrent writes
 * share one (group commit) instead of paying one each.
 */
function directorySyncs(): (dir: string) => Promise<void> {
  const queued = new Map<string, Promise<void>>();
  const running = new Map<string, Promise<void>>();
  const fsyncDir = async (dir: string) => {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  };
  return (dir) => {
    const waiting = queued.get(dir);
    if (waiting) return waiting;
    const before = running.get(dir) ?? Promise.resolve();
    const next = before
      .catch(() => undefined)
      .then(async () => {
        queued.delete(dir);
        const sync = fsyncDir(dir);
        running.set(dir, sync);
        try {
          await sync;
        } finally {
          if (running.get(dir) === sync) running.delete(dir);
        }
      });
    queued.set(dir, next);
    return next;
  };
}

/**
 * A KeyValueStore in a local folder: one JSON file per entry, one folder per scope. Every write is
 * atomic and durable before it returns: the entry is written to a temporary file and synced, then
 * linked (create: fails when the name exists) or renamed (replace) into place, and the folder is
 * synced (shared by concurrent writes). Conditional writes and deletes hold a per-entry lock
 * directory, so several processes on one machine can share the folder. A record that cannot be
 * read (a disk fault, a hand edit) is moved to `.corrupt/`, named on stderr and counted in delivery
 * health; the rest of the state is read on.
 */
export function createFileStore(dir: string, options: FileStoreOptions = {}): KeyValueStore {
  const scopeDirs = new Map<string, string>();
  const scopeDir = (scope: string) => {
    let d = scopeDirs.get(scope);
    if (d === undefined) scopeDirs.set(scope, (d = join(dir, fileName(scope).replace(/\.json$/, ''))));
    return d;
  };
  const pathOf = (scope: string, key: string) => join(scopeDir(scope), fileName(key));
  const made = new Set<string>();
  const syncDir = directorySyncs();
  const onCorrupt =
    options.onCorrupt ??
    ((r: CorruptRecord) =>
      process.stderr.write(`state: unreadable record ${r.file} (${r.problem}); moved to ${r.movedTo}\n`));

  async function quarantine(path: string, problem: string): Promise<void> {
    const aside = join(dir, '.corrupt');
    await mkdir(aside, { recursive: true });
    const movedTo = join(aside, `${path.slice(dir.length + 1).replace(/[/\\]/g, '__')}.${Date.now()}`);
    try {
      await rename(path, movedTo);
    } catch (err) {
      if (isCode(err, 'ENOENT')) return; // another process moved it first
      throw err;
    }
    onCorrupt({ file: path, problem, movedTo });
    await recordHealth(store, new Date(), STATE_HEALTH_NAME, 'poisoned', 1).catch(() => undefined);
  }

  async function read(path: string): Promise<FileEntry | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (isCode(err, 'ENOENT')) return undefined;
      throw err;
    }
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch (err) {
      await quarantine(path, text.length === 0 ? 'empty' : `not JSON: ${(err as Error).message}`);
      return undefined;
    }
    const e = entry as Partial<FileEntry> | null;
    if (typeof e !== 'object' || e === null || typeof e.key !== 'string' || typeof e.version !== 'string') {
      await quarantine(path, 'not a state record (no key or version)');
      return undefined;
    }
    return e as FileEntry;
  }

  async function ensureDir(path: string): Promise<void> {
    if (made.has(path)) return;
    await mkdir(path, { recursive: true });
    made.add(path);
  }

  async function writeTemp(scope: string, entry: FileEntry): Promise<string> {
    await ensureDir(scopeDir(scope));
    const tmp = join(scopeDir(scope), `.tmp-${randomUUID()}`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(entry));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    return tmp;
  }

  async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
    const lock = `${path}.lock`;
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(lock);
        break;
      } catch (err) {
        if (!isCode(err, 'EEXIST')) throw err;
        // A lock left by a process that died is broken after a while.
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > 10_000) await rmdir(lock).catch(() => undefined);
        await sleep(Math.min(50, 2 + attempt));
      }
    }
    try {
      return await fn();
    } finally {
      await rmdir(lock).catch(() => undefined);
    }
  }

  const store: KeyValueStore = {
    async get<T>(scope: string, key: string): Promise<Versioned<T> | undefined> {
      const e = await read(pathOf(scope, key));
      return e && e.key === key ? { value: e.value as T, version: e.version } : undefined;
    },

    async create(scope, key, value) {
      const version = randomUUID();
      const tmp = await writeTemp(scope, { key, version, value });
      try {
        await link(tmp, pathOf(scope, key));
      } catch (err) {
        if (isCode(err, 'EEXIST')) return undefined;
        throw err;
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
      await syncDir(scopeDir(scope));
      return version;
    },

    async put(scope, key, value, ifVersion) {
      const path = pathOf(scope, key);
      const version = randomUUID();
      const tmp = await writeTemp(scope, { key, version, value });
      const written = await withLock(path, async () => {
        if (ifVersion !== undefined) {
          const current = await read(path);
          if (current?.version !== ifVersion) {
            await unlink(tmp).catch(() => undefined);
            return undefined;
          }
        }
        await rename(tmp, path);
        return version;
      });
      if (written !== undefined) await syncDir(scopeDir(scope));
      return written;
    },

    async delete(scope, key, ifVersion) {
      const path = pathOf(scope, key);
      const gone = await withLock(path, async () => {
        const current = await read(path);
        if (!current || (ifVersion !== undefined && current.version !== ifVersion)) return false;
        await rm(path, { force: true });
        return true;
      });
      if (gone) await syncDir(scopeDir(scope));
      return gone;
    },

    async *list<T>(scope: string, prefix = ''): AsyncIterable<StoredEntry<T>> {
      let names: string[];
      try {
        names = await readdir(scopeDir(scope));
      } catch (err) {
        if (isCode(err, 'ENOENT')) return;
        throw err;
      }
      const files = names.filter((n) => n.endsWith('.json') && !n.startsWith('.tmp-'));
      const entries: StoredEntry<T>[] = [];
      // Read a few at a time: a scope can hold thousands of entries.
      for (let i = 0; i < files.length; i += 32) {
        const read32 = await Promise.all(
          files.slice(i, i + 32).map((name) => read(join(scopeDir(scope), name))),
        );
        for (const e of read32)
          if (e?.key.startsWith(prefix))
            entries.push({ key: e.key, value: e.value as T, version: e.version });
      }
      entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      yield* entries;
    },
  };
  return store;
}
