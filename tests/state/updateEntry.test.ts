import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { updateEntry } from '../../src/state/updateEntry.js';

describe('updateEntry', () => {
  it('loses no change when several writers change one entry at once', async () => {
    const store = createMemoryStore();
    const add = () =>
      updateEntry<{ n: number }, undefined>(store, 's', 'k', (cur) => ({
        next: { n: (cur?.n ?? 0) + 1 },
        result: undefined,
      }));
    await Promise.all(Array.from({ length: 10 }, add));
    expect((await store.get<{ n: number }>('s', 'k'))?.value).toEqual({ n: 10 });
  });

  it('leaves the entry as it is without a next value, and deletes it on request', async () => {
    const store = createMemoryStore();
    await store.put('s', 'k', { n: 1 });
    expect(
      await updateEntry<{ n: number }, number>(store, 's', 'k', (cur) => ({ result: cur?.n ?? 0 })),
    ).toBe(1);
    await updateEntry(store, 's', 'k', () => ({ next: 'delete', result: undefined }));
    expect(await store.get('s', 'k')).toBeUndefined();
    // Deleting what is not there is not a conflict.
    await updateEntry(store, 's', 'k', () => ({ next: 'delete', result: undefined }));
  });
});
