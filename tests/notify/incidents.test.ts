import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPlanner } from '../../src/notify/planNotifications.js';
import { parseNotifyPolicy } from '../../src/notify/policy.js';
import { toPagerDutyEvent } from '../../src/render/toPagerDutyEvent.js';
import { createFileStore } from '../../src/state/fileStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { resolvedOf } from '../support/enrichedFailures.js';
import { at, MIN, nodeFailure, noOutcome, policy } from '../support/plannerScenarios.js';
import { RENDERERS } from '../../src/render/renderers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'incidents-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A planner over the state directory, as after a restart: every step below starts a new one. */
const restarted = () => createPlanner(createFileStore(dir), policy());

const resolveOf = (i: number, ms: number) => resolvedOf(nodeFailure(i), at(ms).toISOString());

/** Five nodes of one group: the first sent at once, the others in the update at 6 minutes. */
async function notifiedGroup(): Promise<string | undefined> {
  const burst = [0, 1, 2, 3, 4].map((i) => nodeFailure(i));
  const [lead] = (await restarted().plan(burst, at(10_000))).notifications;
  const [update] = (await restarted().releaseDue(at(6 * MIN))).notifications;
  expect(update?.count).toBe(5);
  return lead?.fingerprint;
}

describe('resolves', () => {
  it('counts a resolve of something never sent instead of sending it', async () => {
    const r = await restarted().plan([resolveOf(1, 0)], at(0));
    expect(r).toEqual({ ...noOutcome(), suppressed: [resolveOf(1, 0)] });
    expect((await restarted().releaseDue(at(60 * MIN))).notifications).toEqual([]);
  });

  it('sends one resolve for a failure however often it fired, and counts a second resolve', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    await planner.plan([nodeFailure(1)], at(1000));
    expect(
      (await planner.plan([nodeFailure(1, { sourceId: 'again' })], at(10 * MIN))).suppressed,
    ).toHaveLength(1);
    expect(await planner.plan([resolveOf(1, 20 * MIN)], at(20 * MIN))).toEqual(noOutcome());
    expect((await planner.releaseDue(at(26 * MIN))).notifications.map((n) => n.status)).toEqual(['resolved']);
    // The second resolve pairs with nothing left.
    const again = { ...resolveOf(1, 30 * MIN), sourceId: 'resolved-again' };
    expect((await planner.plan([again], at(30 * MIN))).suppressed).toEqual([again]);
  });

  it('mutes a resolve a silence matches, and sends nothing for it later', async () => {
    await restarted().plan([nodeFailure(1)], at(1000));
    const { policy: silenced } = parseNotifyPolicy(
      {
        silences: [
          { comment: 'node pool rebuild', nodePool: 'nodepool1', startsAt: at(10 * MIN).toISOString() },
        ],
      },
      'routing.yaml',
    );
    const r = await createPlanner(createFileStore(dir), silenced).plan(
      [resolveOf(1, 20 * MIN)],
      at(20 * MIN),
    );
    expect(r).toEqual({ ...noOutcome(), silenced: [{ failure: resolveOf(1, 20 * MIN) }] });
    expect((await restarted().releaseDue(at(60 * MIN))).notifications).toEqual([]);
  });

  it('sends the recoveries of a group as one resolve under the group key, partial until all have resolved', async () => {
    const key = await notifiedGroup();
    for (const i of [0, 1, 2]) {
      const r = await restarted().plan([resolveOf(i, 10 * MIN + i * 1000)], at(10 * MIN + i * 1000));
      expect(r).toEqual(noOutcome());
    }
    expect((await restarted().releaseDue(at(14 * MIN))).notifications).toEqual([]);
    const partial = (await restarted().releaseDue(at(16 * MIN))).notifications;
    expect(partial.map((n) => [n.status, n.count, n.stillFiring, n.fingerprint])).toEqual([
      ['resolved', 3, 2, key],
    ]);
    expect(partial[0]?.nodes).toHaveLength(3);
    // PagerDuty closes the whole incident or nothing: it leaves the partial resolve out.
    expect(partial[0] && RENDERERS.pagerduty.accepts?.(partial[0])).toBe(false);

    for (const i of [3, 4]) await restarted().plan([resolveOf(i, 20 * MIN + i)], at(20 * MIN));
    const last = (await restarted().releaseDue(at(26 * MIN))).notifications;
    expect(last.map((n) => [n.status, n.count, n.stillFiring, n.fingerprint])).toEqual([
      ['resolved', 2, undefined, key],
    ]);
    expect(last[0] && RENDERERS.pagerduty.accepts?.(last[0])).toBe(true);
    expect(last[0] && toPagerDutyEvent(last[0])).toMatchObject({ event_action: 'resolve', dedup_key: key });
  });

  it('takes a failure that recovers inside the group window out of the update', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    const [lead] = (
      await planner.plan(
        [0, 1, 2].map((i) => nodeFailure(i)),
        at(10_000),
      )
    ).notifications;
    const recovered = await planner.plan([resolveOf(2, 2 * MIN)], at(2 * MIN));
    expect(recovered).toEqual({ ...noOutcome(), recovered: [resolveOf(2, 2 * MIN)] });
    const [update] = (await planner.releaseDue(at(6 * MIN))).notifications;
    expect([update?.count, update?.nodes.length]).toEqual([2, 2]);
    // The incident is now the first two only: their resolves close it.
    await planner.plan([resolveOf(0, 7 * MIN), resolveOf(1, 7 * MIN)], at(7 * MIN));
    const [resolve] = (await planner.releaseDue(at(13 * MIN))).notifications;
    expect([resolve?.count, resolve?.stillFiring, resolve?.fingerprint]).toEqual([
      2,
      undefined,
      lead?.fingerprint,
    ]);
  });

  it('takes a failure that recovers in the same batch out of the update', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    const r = await planner.plan([nodeFailure(0), nodeFailure(1), resolveOf(1, 5000)], at(10_000));
    expect(r.recovered).toHaveLength(1);
    expect((await planner.releaseDue(at(6 * MIN))).notifications).toEqual([]);
  });
});
