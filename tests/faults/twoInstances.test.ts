import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileStore } from '../../src/state/fileStore.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { createTableStore } from '../../src/state/tableStore.js';
import type { Azurite } from '../support/azurite.js';
import { startAzurite } from '../support/azurite.js';
import { interleaved } from '../support/faultyStore.js';
import type { Step, Tally } from '../support/faultScenario.js';
import { CLEAN_TALLY, pipelineAt, runStep, STEPS, tally } from '../support/faultScenario.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';

let receiver: WebhookReceiver;
let azurite: Azurite;
const dirs: string[] = [];
beforeAll(async () => {
  receiver = new WebhookReceiver();
  await receiver.start();
  azurite = await startAzurite(['table']);
}, 60_000);
afterAll(async () => {
  await receiver.stop();
  await azurite.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Two instances run every step at once on one store, each with the whole batch (a redelivery, an overlapping poll). */
async function twoAtOnce(a: KeyValueStore, b: KeyValueStore): Promise<Tally> {
  receiver.requests.length = 0;
  let clock = 0;
  const one = pipelineAt(a, receiver.url, () => clock);
  const two = pipelineAt(b, receiver.url, () => clock);
  for (const step of STEPS) {
    clock = step.at;
    const reversed: Step = { ...step, signals: [...step.signals].reverse() };
    await Promise.all([runStep(one, step), runStep(two, reversed)]);
  }
  return tally(receiver.requests);
}

describe('two instances on one store at once', () => {
  it('memory store, 20 interleavings: no spurious update, no failure counted twice', async () => {
    const wrong: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const store = createMemoryStore();
      const t = await twoAtOnce(interleaved(store, seed), interleaved(store, seed * 7919));
      // Two senders may both send one notification (same id) before either records it delivered.
      if (JSON.stringify({ ...t, redelivered: 0 }) !== JSON.stringify(CLEAN_TALLY))
        wrong.push(`seed ${seed}: ${JSON.stringify(t)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('file store: the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'two-instances-'));
    dirs.push(dir);
    const t = await twoAtOnce(createFileStore(dir), createFileStore(dir));
    expect({ ...t, redelivered: 0 }).toEqual(CLEAN_TALLY);
  });

  it('Table Storage (Azurite): the same', async () => {
    const table = () =>
      TableClient.fromConnectionString(azurite.connectionString, 'twoinstances', {
        allowInsecureConnection: true,
      });
    const t = await twoAtOnce(createTableStore(table()), createTableStore(table()));
    expect({ ...t, redelivered: 0 }).toEqual(CLEAN_TALLY);
  }, 60_000);
});
