import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { crashAfterWrites } from '../support/faultyStore.js';
import type { Tally } from '../support/faultScenario.js';
import { CLEAN_TALLY, FIRING, MIN, pipelineAt, runStep, STEPS, tally } from '../support/faultScenario.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = new WebhookReceiver();
  await receiver.start();
});
afterAll(() => receiver.stop());

/** The scenario on `store`; stops at the first step the store died in. Returns that step's index, or -1. */
async function runUntilCrash(store: KeyValueStore & { crashed?: boolean }): Promise<number> {
  let clock = 0;
  const p = pipelineAt(store, receiver.url, () => clock);
  for (const [i, step] of STEPS.entries()) {
    clock = step.at;
    try {
      await runStep(p, step);
    } catch (err) {
      if (!store.crashed) throw err;
    }
    if (store.crashed) return i;
  }
  return -1;
}

/** After a crash in step `from`: a new process (its own claims) three minutes later, then on as planned. */
async function runToCompletion(store: KeyValueStore, from: number): Promise<void> {
  let clock = 0;
  const p = pipelineAt(store, receiver.url, () => clock);
  for (const [i, step] of STEPS.entries()) {
    if (i < from) continue;
    clock = i === from ? step.at + 3 * MIN : step.at;
    await runStep(p, step);
  }
}

describe('killed right after any state write, then run to completion', () => {
  it('loses no failure and sends no notification beyond the expected ones, for every k', async () => {
    receiver.requests.length = 0;
    const counting = crashAfterWrites(createMemoryStore());
    expect(await runUntilCrash(counting)).toBe(-1);
    const baseline = tally(receiver.requests);
    // The scenario itself: every failure reported once, every resolve sent once.
    expect(baseline).toEqual<Tally>(CLEAN_TALLY);
    const writes = counting.writes;
    expect(writes).toBeGreaterThan(50);

    const failed: string[] = [];
    let redelivered = 0;
    for (let k = 1; k <= writes; k++) {
      receiver.requests.length = 0;
      const inner = createMemoryStore();
      const crashed = await runUntilCrash(crashAfterWrites(inner, k));
      expect(crashed).toBeGreaterThanOrEqual(0);
      await runToCompletion(inner, crashed);
      const t = tally(receiver.requests);
      redelivered += t.redelivered;
      const wrong =
        t.lost.length + t.repeated.length + t.lostResolves.length + t.repeatedResolves.length > 0 ||
        t.notifications !== baseline.notifications;
      if (wrong) failed.push(`k=${k} (step ${crashed}): ${JSON.stringify(t)}`);
    }
    // Failures in, notifications out, lost, repeated, dead-lettered (none: the receiver is healthy).
    console.log(
      `crash after each of ${writes} writes: ${FIRING.length} failures in, ${baseline.notifications} notifications out each time, ` +
        `${failed.length} runs wrong, ${redelivered} at-least-once redeliveries (same id), 0 dead-lettered`,
    );
    expect(failed).toEqual([]);
  }, 120_000);
});
