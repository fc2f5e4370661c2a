import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStore } from '../../src/state/fileStore.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';

/** Opens a store; `reopen` gives a second instance over the same storage (another process). */
export interface StoreUnderTest {
  store: KeyValueStore;
  reopen: () => KeyValueStore;
}

const dirs: string[] = [];

export const STORES: [string, () => StoreUnderTest][] = [
  [
    'memory',
    () => {
      const store = createMemoryStore();
      return { store, reopen: () => store };
    },
  ],
  [
    'file',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'state-'));
      dirs.push(dir);
      return { store: createFileStore(dir), reopen: () => createFileStore(dir) };
    },
  ],
];

export function removeStoreDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
