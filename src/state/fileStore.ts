import { randomUUID, createHash } from 'node:crypto';
import { link, mkdir, readFile, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyValueStore, StoredEntry, Versioned } from './keyValueStore.js';

interface FileEntry {
  key: string;
  version: string;
  value: unknown;
}

/**
 * A file-system-safe name, distinct for distinct keys: readable when short, hashed when long. Upper
 * case letters become `^` + the letter, so keys that differ only in case stay apart on
 * case-insensitive file systems (macOS, Windows).
 */
function fileName(key: string): string {
  const readable = encodeURIComponent(key)
    .replace(/[.*!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)
    .replace(/[A-Z]/g, (c) => `^${c.toLowerCase()}`);
  if (readable.length <= 120) return `${readable}.json`;
  return `${readable.slice(0, 60)}~${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`;
}

const isCode = (err: unknown, code: string): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A KeyValueStore in a local folder: one JSON file per entry, one folder per scope. Creates are
 * atomic (hard link of a finished temp file, which fails when the name exists); conditional writes
 * and deletes hold a per-entry lock directory, so several processes on one machine can share it.
 */
export function createFileStore(dir: string): KeyValueStore {
  const scopeDir = (scope: string) => join(dir, fileName(scope).replace(/\.json$/, ''));
  const pathOf = (scope: string, key: string) => join(scopeDir(scope), fileName(key));

  async function read(path: string): Promise<FileEntry | undefined> {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as FileEntry;
    } catch (err) {
      if (isCode(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  async function writeTemp(scope: string, entry: FileEntry): Promise<string> {
    await mkdir(scopeDir(scope), { recursive: true });
    const tmp = join(scopeDir(scope), `.tmp-${randomUUID()}`);
    await writeFile(tmp, JSON.stringify(entry));
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

  return {
    async get<T>(scope: string, key: string): Promise<Versioned<T> | undefined> {
      const e = await read(pathOf(scope, key));
      return e && e.key === key ? { value: e.value as T, version: e.version } : undefined;
    },

    async create(scope, key, value) {
      const version = randomUUID();
      const tmp = await writeTemp(scope, { key, version, value });
      try {
        await link(tmp, pathOf(scope, key));
        return version;
      } catch (err) {
        if (isCode(err, 'EEXIST')) return undefined;
        throw err;
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    },

    async put(scope, key, value, ifVersion) {
      const path = pathOf(scope, key);
      const version = randomUUID();
      const tmp = await writeTemp(scope, { key, version, value });
      return withLock(path, async () => {
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
    },

    async delete(scope, key, ifVersion) {
      const path = pathOf(scope, key);
      return withLock(path, async () => {
        const current = await read(path);
        if (!current || (ifVersion !== undefined && current.version !== ifVersion)) return false;
        await rm(path, { force: true });
        return true;
      });
    },

    async *list<T>(scope: string, prefix = ''): AsyncIterable<StoredEntry<T>> {
      let names: string[];
      try {
        names = await readdir(scopeDir(scope));
      } catch (err) {
        if (isCode(err, 'ENOENT')) return;
        throw err;
      }
      const entries: StoredEntry<T>[] = [];
      for (const name of names) {
        if (!name.endsWith('.json') || name.startsWith('.tmp-')) continue;
        const e = await read(join(scopeDir(scope), name));
        if (e?.key.startsWith(prefix)) entries.push({ key: e.key, value: e.value as T, version: e.version });
      }
      entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      yield* entries;
    },
  };
}
