import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';
import { odata, RestError } from '@azure/data-tables';
import type { KeyValueStore, StoredEntry, Versioned } from './keyValueStore.js';
import { countSetAside } from './deliveryHealth.js';

/**
 * Characters Table Storage forbids in PartitionKey / RowKey, plus `%` so the encoding reverses, and
 * lone surrogates (not valid text on the wire; `%u` + 4 hex digits).
 */
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be encoded
  /[%/\\#?\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function encodeTableKey(key: string): string {
  return key.replace(FORBIDDEN, (c) => {
    const code = c.charCodeAt(0);
    return code >= 0xd800 ? `%u${code.toString(16)}` : `%${code.toString(16).padStart(2, '0')}`;
  });
}

export function decodeTableKey(encoded: string): string {
  return encoded.replace(
    /%u([0-9a-f]{4})|%([0-9a-f]{2})/g,
    (_m, wide: string | undefined, hex: string | undefined) =>
      String.fromCharCode(parseInt(wide ?? hex ?? '0', 16)),
  );
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
  if (json.length > CHUNK * MAX_CHUNKS) throw new StateValueTooLargeError(scope, key, json.length);
  const entity: ValueEntity = {
    partitionKey: encodeKeyChecked('scope', scope),
    rowKey: encodeKeyChecked('key', key),
    n: 1,
  };
  // Cut between characters, never inside a surrogate pair (each part must be valid text on the wire).
  let at = 0;
  for (let i = 0; at < json.length || i === 0; i++) {
    let end = Math.min(json.length, at + CHUNK);
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end--;
    entity[`v${i}`] = json.slice(at, end);
    entity.n = i + 1;
    at = end;
  }
  if ((entity.n as number) > MAX_CHUNKS) throw new StateValueTooLargeError(scope, key, json.length);
  return entity;
}

/** An entity whose value cannot be read back. */
class CorruptEntityError extends Error {}

function fromEntity(entity: Record<string, unknown>): unknown {
  const n = typeof entity.n === 'number' ? entity.n : 1;
  let json = '';
  for (let i = 0; i < n; i++) {
    const part = entity[`v${i}`];
    json += typeof part === 'string' ? part : '';
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (err) {
    throw new CorruptEntityError(json.length === 0 ? 'empty' : `not JSON: ${(err as Error).message}`);
  }
}

/** Where entities that cannot be read are moved (PartitionKey), with the original keys in the RowKey. */
export const CORRUPT_PARTITION = 'state-corrupt';

const statusOf = (err: unknown): number | undefined =>
  err instanceof RestError ? err.statusCode : undefined;

/**
 * KeyValueStore over Azure Table Storage: scope = PartitionKey, key = RowKey, version = ETag. The
 * table is created on first use. Conditional writes use If-Match, creates use insert (409 when the
 * row exists), so instances racing on one entry cannot both win.
 */
export function createTableStore(
  client: TableClient,
  options: { onCorrupt?: (record: { entity: string; problem: string }) => void } = {},
): KeyValueStore {
  const onCorrupt =
    options.onCorrupt ??
    ((r: { entity: string; problem: string }) =>
      process.stderr.write(
        `state: unreadable entity ${r.entity} (${r.problem}); moved to ${CORRUPT_PARTITION}\n`,
      ));

  /** Moves an unreadable entity aside (kept for inspection), names it, counts it; the caller reads on. */
  async function quarantine(
    entity: Record<string, unknown> & { etag?: string },
    problem: string,
  ): Promise<void> {
    const pk = String(entity.partitionKey);
    const rk = String(entity.rowKey);
    const aside: TableEntity = {
      ...entity,
      partitionKey: CORRUPT_PARTITION,
      rowKey: `${pk}|${rk}|${Date.now()}`.slice(0, MAX_KEY_CHARS),
    };
    delete (aside as { etag?: string }).etag;
    delete (aside as { timestamp?: string }).timestamp;
    await client.upsertEntity(aside, 'Replace');
    try {
      await client.deleteEntity(pk, rk, entity.etag ? { etag: entity.etag } : {});
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 412) throw err;
      return;
    }
    onCorrupt({ entity: `${decodeTableKey(pk)}/${decodeTableKey(rk)}`, problem });
    await countSetAside(self);
  }

  let ready: Promise<void> | undefined;
  const ensureTable = (): Promise<void> =>
    (ready ??= client.createTable().catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));

  // One write, as done alone and as one action of an entity-group transaction.
  interface Write {
    entity: TableEntity;
    alone: () => Promise<string | boolean | undefined>;
    action?: TransactionAction;
    /** What the write returns when its action succeeded in a transaction. */
    result: (etag: string | undefined) => string | boolean | undefined;
    size: number;
    resolve: (r: string | boolean | undefined) => void;
    reject: (err: unknown) => void;
  }

  async function createAlone(entity: TableEntity): Promise<string | undefined> {
    try {
      return (await client.createEntity(entity)).etag;
    } catch (err) {
      if (statusOf(err) === 409) return undefined;
      throw err;
    }
  }

  async function putAlone(entity: TableEntity, ifVersion: string | undefined): Promise<string | undefined> {
    try {
      if (ifVersion === undefined) return (await client.upsertEntity(entity, 'Replace')).etag;
      return (await client.updateEntity(entity, 'Replace', { etag: ifVersion })).etag;
    } catch (err) {
      const status = statusOf(err);
      if (ifVersion !== undefined && (status === 412 || status === 404)) return undefined;
      throw err;
    }
  }

  async function deleteAlone(pk: string, rk: string, ifVersion: string | undefined): Promise<boolean> {
    try {
      await client.deleteEntity(pk, rk, ifVersion === undefined ? {} : { etag: ifVersion });
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 404 || status === 412) return false;
      throw err;
    }
  }

  /**
   * Writes to one partition issued at the same moment (many failures planned at once) go as one
   * entity-group transaction of up to 100: one request instead of one each. A transaction is all or
   * nothing, so when it fails (one create found its row, one version changed), each write is done
   * alone and gets its own answer: the same outcome as without batching.
   */
  const writes = new Map<string, Write[]>();
  function schedule(pk: string, w: Write): void {
    const queue = writes.get(pk);
    if (queue) queue.push(w);
    else {
      writes.set(pk, [w]);
      setImmediate(() => void flush(pk));
    }
  }

  async function flush(pk: string): Promise<void> {
    const queue = writes.get(pk) ?? [];
    writes.delete(pk);
    const batches: Write[][] = [];
    let batch: Write[] = [];
    let rows = new Set<string>();
    let size = 0;
    const close = () => {
      if (batch.length > 0) batches.push(batch);
      batch = [];
      rows = new Set();
      size = 0;
    };
    for (const w of queue) {
      const rk = w.entity.rowKey;
      // A row once per transaction, at most 100 actions and well under the 4 MiB request.
      if (rows.has(rk) || batch.length >= 100 || size + w.size > 2_000_000) close();
      batch.push(w);
      rows.add(rk);
      size += w.size;
    }
    close();
    // In order: a row that comes twice is in two transactions, the first first.
    for (const b of batches) await submit(b);
  }

  async function submit(batch: Write[]): Promise<void> {
    const actions = batch.map((w) => w.action);
    if (batch.length > 1 && actions.every((a) => a !== undefined)) {
      try {
        const res = await client.submitTransaction(actions);
        batch.forEach((w, i) => w.resolve(w.result(res.subResponses[i]?.etag)));
        return;
      } catch {
        // One action failed, so none took effect: each alone below.
      }
    }
    await Promise.all(
      batch.map((w) =>
        w.alone().then(
          (r) => w.resolve(r),
          (err: unknown) => w.reject(err),
        ),
      ),
    );
  }

  function write(
    entity: TableEntity,
    alone: () => Promise<string | boolean | undefined>,
    action: TransactionAction | undefined,
    result: Write['result'],
  ): Promise<string | boolean | undefined> {
    let size = 0;
    for (const v of Object.values(entity)) if (typeof v === 'string') size += v.length * 2;
    return new Promise((resolve, reject) =>
      schedule(entity.partitionKey, { entity, alone, action, result, size, resolve, reject }),
    );
  }

  type Found = Record<string, unknown> & { etag: string };
  interface Read {
    rowKey: string;
    resolve: (e: Found | undefined) => void;
    reject: (err: unknown) => void;
  }

  async function getAlone(pk: string, rk: string): Promise<Found | undefined> {
    try {
      return await client.getEntity(pk, rk);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Reads of one partition asked for at the same moment go as one query of up to 14 row keys (a
   * filter holds at most 15 comparisons): one request instead of one each.
   */
  const reads = new Map<string, Read[]>();
  function scheduleRead(pk: string, rowKey: string): Promise<Found | undefined> {
    return new Promise((resolve, reject) => {
      const queue = reads.get(pk);
      const read: Read = { rowKey, resolve, reject };
      if (queue) queue.push(read);
      else {
        reads.set(pk, [read]);
        setImmediate(() => void flushReads(pk));
      }
    });
  }

  async function flushReads(pk: string): Promise<void> {
    const queue = reads.get(pk) ?? [];
    reads.delete(pk);
    const byRow = new Map<string, Read[]>();
    for (const r of queue) {
      const same = byRow.get(r.rowKey);
      if (same) same.push(r);
      else byRow.set(r.rowKey, [r]);
    }
    const rows = [...byRow.keys()];
    const chunks: string[][] = [];
    for (let i = 0; i < rows.length; i += 14) chunks.push(rows.slice(i, i + 14));
    await Promise.all(
      chunks.map(async (chunk) => {
        const waiting = chunk.flatMap((rk) => byRow.get(rk) ?? []);
        try {
          const found = new Map<string, Found>();
          if (chunk.length === 1) {
            const e = await getAlone(pk, chunk[0] ?? '');
            if (e) found.set(chunk[0] ?? '', e);
          } else {
            const filter = `${odata`PartitionKey eq ${pk}`} and (${chunk.map((rk) => odata`RowKey eq ${rk}`).join(' or ')})`;
            for await (const e of client.listEntities({ queryOptions: { filter } }))
              found.set(String(e.rowKey), e);
          }
          for (const r of waiting) r.resolve(found.get(r.rowKey));
        } catch (err) {
          for (const r of waiting) r.reject(err);
        }
      }),
    );
  }

  const self: KeyValueStore = {
    async get<T>(scope: string, key: string): Promise<Versioned<T> | undefined> {
      await ensureTable();
      const e = await scheduleRead(encodeTableKey(scope), encodeTableKey(key));
      if (!e) return undefined;
      try {
        return { value: fromEntity(e) as T, version: e.etag };
      } catch (err) {
        if (!(err instanceof CorruptEntityError)) throw err;
        await quarantine(e, err.message);
        return undefined;
      }
    },

    async create(scope, key, value) {
      await ensureTable();
      const entity = toEntity(scope, key, value);
      return (await write(
        entity,
        () => createAlone(entity),
        ['create', entity],
        (etag) => etag,
      )) as string | undefined;
    },

    async put(scope, key, value, ifVersion) {
      await ensureTable();
      const entity = toEntity(scope, key, value);
      const action: TransactionAction =
        ifVersion === undefined
          ? ['upsert', entity, 'Replace']
          : ['update', entity, 'Replace', { etag: ifVersion }];
      return (await write(
        entity,
        () => putAlone(entity, ifVersion),
        action,
        (etag) => etag,
      )) as string | undefined;
    },

    async delete(scope, key, ifVersion) {
      await ensureTable();
      const pk = encodeTableKey(scope);
      const rk = encodeTableKey(key);
      // A transaction's delete cannot carry a version: conditional deletes go alone.
      const entity: TableEntity = { partitionKey: pk, rowKey: rk };
      return (await write(
        entity,
        () => deleteAlone(pk, rk, ifVersion),
        ifVersion === undefined ? ['delete', entity] : undefined,
        () => true,
      )) as boolean;
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
        let value: unknown;
        try {
          value = fromEntity(e);
        } catch (err) {
          if (!(err instanceof CorruptEntityError)) throw err;
          await quarantine(e, err.message);
          continue;
        }
        entries.push({ key, value: value as T, version: e.etag });
      }
      entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      yield* entries;
    },
  };
  return self;
}
