/**
 * The one storage primitive every piece of durable state is built on (watermarks, dedup claims,
 * the outbox, grouping and hold windows, delivery health, digest records). Two implementations
 * keep the same contract: Azure Table Storage (deployed) and a local folder (embedded default).
 *
 * A scope is a partition (Table Storage PartitionKey); a key is unique within its scope. Keys and
 * scopes may hold any characters: implementations encode what their storage forbids. Values are
 * JSON-serialisable. Every write is conditional or explicitly unconditional, so concurrent
 * instances cannot silently overwrite each other.
 */
export interface Versioned<T> {
  value: T;
  /** Opaque version (an ETag); changes on every write. */
  version: string;
}

export interface StoredEntry<T> extends Versioned<T> {
  key: string;
}

export interface KeyValueStore {
  get<T>(scope: string, key: string): Promise<Versioned<T> | undefined>;
  /** Creates the entry only when absent. Returns its version, or undefined when the key already exists. */
  create(scope: string, key: string, value: unknown): Promise<string | undefined>;
  /**
   * Writes the entry. With `ifVersion`, only when the stored version still matches (returns undefined
   * on a mismatch or when the entry is gone); without it, unconditionally (create or replace).
   */
  put(scope: string, key: string, value: unknown, ifVersion?: string): Promise<string | undefined>;
  /** Deletes the entry (only at `ifVersion` when given). Returns false when absent or on a mismatch. */
  delete(scope: string, key: string, ifVersion?: string): Promise<boolean>;
  /** Every entry of a scope whose key starts with `prefix`, in key order, streamed. */
  list<T>(scope: string, prefix?: string): AsyncIterable<StoredEntry<T>>;
}
