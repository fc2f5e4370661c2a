import type { TableClient, TableEntity } from '@azure/data-tables';
import { odata, RestError } from '@azure/data-tables';
import type { KeyValueStore, StoredEntry, Versioned } from './keyValueStore.js';

/** Characters Table Storage forbids in PartitionKey / RowKey, plus `%` so the encoding reverses. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be encoded
const FORBIDDEN = /[%/\\#?\u0000-\u001f\u007f-\u009f]/g;

export function encodeTableKey(key: string): string {
  return key.replace(FORBIDDEN, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function decodeTableKey(encoded: string): string {
  return encoded.replace(/%([0-9a-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * A string property holds at most 64 KiB (32 K UTF-16 characters); longer values span several. An
 * entity holds at most 1 MiB in all, so 16 chunks of 60 KB (UTF-16) is the most one value can use.
 */
const CHUNK = 30_000;
const MAX_CHUNKS = 16;
/** PartitionKey and RowKey hold at most 1 KiB each (512 UTF-16 characters). */
const MAX_KEY_CHARS = 512;

export class StateValueTooLargeError extends Error {
  constructor(
    readonly scope: string,
    readonly key: string,
    readonly chars: number,
  ) {
    super(
      `state value ${scope}/${key.slice(0, 100)} is ${chars} characters of JSON, over the ${CHUNK * MAX_CHUNKS} a Table Storage entity can hold`,
    );
    this.name = 'StateValueTooLargeError';
  }
}

function encodeKeyChecked(what: 'scope' | 'key', raw: string): string {
  const encoded = encodeTableKey(raw);
  if (encoded.length > MAX_KEY_CHARS)
    throw new Error(
      `state ${what} "${raw.slice(0, 80)}…" is ${encoded.length} characters once encoded, over the Table Storage limit of ${MAX_KEY_CHARS}`,
    );
  return encoded;
}

type ValueEntity = TableEntity;

function toEntity(scope: string, key: string, value: unknown): ValueEntity {
  const json = JSON.stringify(value);
  const chunks = Math.max(1, Math.ceil(json.length / CHUNK));
  if (chunks > MAX_CHUNKS) throw new StateValueTooLargeError(scope, key, json.length);
  const entity: ValueEntity = {
    partitionKey: encodeKeyChecked('scope', scope),
    rowKey: encodeKeyChecked('key', key),
    n: chunks,
  };
  for (let i = 0; i < chunks; i++) entity[`v${i}`] = json.slice(i * CHUNK, (i + 1) * CHUNK);
  return entity;
}

function fromEntity(entity: Record<string, unknown>): unknown {
  const n = typeof entity.n === 'number' ? entity.n : 1;
  let json = '';
  for (let i = 0; i < n; i++) {
    const part = entity[`v${i}`];
    json += typeof part === 'string' ? part : '';
  }
  return JSON.parse(json) as unknown;
}

const statusOf = (err: unknown): number | undefined =>
  err instanceof RestError ? err.statusCode : undefined;

/**
 * KeyValueStore over Azure Table Storage: scope = PartitionKey, key = RowKey, version = ETag. The
 * table is created on first use. Conditional writes use If-Match, creates use insert (409 when the
 * row exists), so instances racing on one entry cannot both win.
 */
export function createTableStore(client: TableClient): KeyValueStore {
  let ready: Promise<void> | undefined;
  const ensureTable = (): Promise<void> =>
    (ready ??= client.createTable().catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));

  return {
    async get<T>(scope: string, key: string): Promise<Versioned<T> | undefined> {
      await ensureTable();
      try {
        const e = await client.getEntity(encodeTableKey(scope), encodeTableKey(key));
        return { value: fromEntity(e) as T, version: e.etag };
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },

    async create(scope, key, value) {
      await ensureTable();
      try {
        return (await client.createEntity(toEntity(scope, key, value))).etag;
      } catch (err) {
        if (statusOf(err) === 409) return undefined;
        throw err;
      }
    },

    async put(scope, key, value, ifVersion) {
      await ensureTable();
      const entity = toEntity(scope, key, value);
      try {
        if (ifVersion === undefined) return (await client.upsertEntity(entity, 'Replace')).etag;
        return (await client.updateEntity(entity, 'Replace', { etag: ifVersion })).etag;
      } catch (err) {
        const status = statusOf(err);
        if (ifVersion !== undefined && (status === 412 || status === 404)) return undefined;
        throw err;
      }
    },

    async delete(scope, key, ifVersion) {
      await ensureTable();
      try {
        await client.deleteEntity(
          encodeTableKey(scope),
          encodeTableKey(key),
          ifVersion === undefined ? {} : { etag: ifVersion },
        );
        return true;
      } catch (err) {
        const status = statusOf(err);
        if (status === 404 || status === 412) return false;
        throw err;
      }
    },

    async *list<T>(scope: string, prefix = ''): AsyncIterable<StoredEntry<T>> {
      await ensureTable();
      const pk = encodeTableKey(scope);
      const from = encodeTableKey(prefix);
      const filter = prefix
        ? odata`PartitionKey eq ${pk} and RowKey ge ${from} and RowKey lt ${`${from}\uffff`}`
        : odata`PartitionKey eq ${pk}`;
      // The encoding moves escaped characters in the sort order, so the page order is not key order:
      // read the scope's matches, then yield them sorted.
      const entries: StoredEntry<T>[] = [];
      for await (const e of client.listEntities({ queryOptions: { filter } })) {
        const key = decodeTableKey(String(e.rowKey));
        if (!key.startsWith(prefix)) continue;
        entries.push({ key, value: fromEntity(e) as T, version: e.etag });
      }
      entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      yield* entries;
    },
  };
}
