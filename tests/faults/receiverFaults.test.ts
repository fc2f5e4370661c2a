import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '../../src/deliver/outbox.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import type { Tally } from '../support/faultScenario.js';
import { CLEAN_TALLY, pipelineAt, runStep, STEPS, tally } from '../support/faultScenario.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = new WebhookReceiver();
  await receiver.start();
});
afterAll(() => receiver.stop());

describe('a receiver that fails every way, then heals', () => {
  it('500, 503 with Retry-After, 429, a hang and a reset: nothing lost, nothing reported twice, nothing dead', async () => {
    receiver.requests.length = 0;
    receiver.script.push(
      { status: 500 },
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 429 },
      { hang: true },
      { reset: true },
      { status: 502 },
    );
    const store = createMemoryStore();
    let clock = 0;
    const p = pipelineAt(store, receiver.url, () => clock);
    for (const step of STEPS) {
      clock = step.at;
      await runStep(p, step);
    }
    const t = tally(receiver.requests);
    expect(receiver.script).toEqual([]); // every fault was played
    expect({ ...t, redelivered: 0 }).toEqual<Tally>(CLEAN_TALLY);
    const left: string[] = [];
    for await (const { item } of listOutbox(store, 'pending')) left.push(item.id);
    for await (const { item } of listOutbox(store, 'dead')) left.push(`dead ${item.id}`);
    expect(left).toEqual([]);
  }, 60_000);
});
