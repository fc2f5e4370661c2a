import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnrichedFailure } from '../../src/model.js';
import { createPlanner } from '../../src/notify/planNotifications.js';
import { readSettings } from '../../src/config.js';
import { DEFAULT_POLICY, notifyPolicyDefaults, parseNotifyPolicy } from '../../src/notify/policy.js';
import { toPagerDutyEvent } from '../../src/render/toPagerDutyEvent.js';
import { createFileStore } from '../../src/state/fileStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { CLUSTER_ID, operationFailure, resolvedOf } from '../support/enrichedFailures.js';
import { at, MIN, newlyReported, noOutcome, nodeFailure, policy } from '../support/plannerScenarios.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'notify-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('grouping', () => {
  it('sends the first of a burst at once and the whole group as one update when the window closes', async () => {
    const planner = createPlanner(createFileStore(dir), policy());
    const burst = Array.from({ length: 40 }, (_, i) => nodeFailure(i));
    const first = await planner.plan(burst, at(40_000));
    expect(first.notifications).toHaveLength(1);
    const lead = first.notifications[0];
    expect(lead?.count).toBe(1);
    expect(await planner.releaseDue(at(4 * MIN))).toEqual(noOutcome());
    // A restart: a new planner over the same state directory closes the window.
    const after = await createPlanner(createFileStore(dir), policy()).releaseDue(at(6 * MIN));
    expect(after.notifications).toHaveLength(1);
    const update = after.notifications[0];
    expect(update?.count).toBe(40);
    expect(update?.update).toEqual({
      firstId: lead?.id,
      firstSentAt: at(40_000).toISOString(),
      alreadySent: 1,
    });
    expect(update?.failures.length).toBeLessThanOrEqual(20);
    expect(update?.nodes.length).toBe(40);
    expect(update?.firstAt).toBe(at(0).toISOString());
    expect(update?.lastAt).toBe(at(39_000).toISOString());
    expect(update?.groupKey).toContain(CLUSTER_ID.toLowerCase());
    // One incident: the update carries the first message's key (PagerDuty's dedup_key).
    expect(update?.fingerprint).toBe(lead?.fingerprint);
    expect(update && toPagerDutyEvent(update).dedup_key).toBe(lead && toPagerDutyEvent(lead).dedup_key);
  });

  it('keeps the key of the first message when a more severe failure leads the update', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    const [lead] = (await planner.plan([nodeFailure(1)], at(1000))).notifications;
    await planner.plan([nodeFailure(2, { severity: 'critical' })], at(2 * MIN));
    const [update] = (await planner.releaseDue(at(6 * MIN))).notifications;
    expect(update?.failures[0]?.fingerprint).toBe(nodeFailure(2).fingerprint);
    expect(update?.severity).toBe('critical');
    expect(update?.fingerprint).toBe(lead?.fingerprint);
  });

  it('sends the update of a window that ran out before the timer released it when the next group opens', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    await planner.plan([nodeFailure(1), nodeFailure(2)], at(2000));
    // No releaseDue tick between the end of the window and the next failure of the group.
    const next = await planner.plan([nodeFailure(3, { occurredAt: at(6 * MIN).toISOString() })], at(6 * MIN));
    expect(next.notifications.map((n) => [n.count, n.update?.alreadySent])).toEqual([
      [2, 1],
      [1, undefined],
    ]);
  });

  it('gives the same ids when the same failures are planned again', async () => {
    const store = createMemoryStore();
    const a = await createPlanner(store, policy()).plan([nodeFailure(1)], at(0));
    const b = await createPlanner(store, policy()).plan([nodeFailure(1)], at(1000));
    expect(b.notifications.map((n) => n.id)).toEqual(a.notifications.map((n) => n.id));
  });

  it('lets only one of two planners racing on one store send the lead', async () => {
    const store = createMemoryStore();
    const [a, b] = await Promise.all([
      createPlanner(store, policy()).plan([nodeFailure(1)], at(0)),
      createPlanner(store, policy()).plan([nodeFailure(2)], at(0)),
    ]);
    expect(a.notifications.length + b.notifications.length).toBe(1);
  });
});

describe('repeat interval', () => {
  it('stays quiet for the interval unless severity rises; a resolve of what was sent goes out', async () => {
    const planner = createPlanner(createMemoryStore(), policy({ groupWindowMs: 1000 }));
    const f = (ms: number, severity: EnrichedFailure['severity'] = 'error') =>
      operationFailure({ sourceId: `row-${ms}`, occurredAt: at(ms).toISOString(), severity });
    expect((await planner.plan([f(0)], at(0))).notifications).toHaveLength(1);
    await planner.releaseDue(at(2000));
    expect((await planner.plan([f(60 * MIN)], at(60 * MIN))).suppressed).toHaveLength(1);
    expect((await planner.plan([f(61 * MIN, 'critical')], at(61 * MIN))).notifications).toHaveLength(1);
    await planner.releaseDue(at(62 * MIN));
    const resolve = resolvedOf(f(62 * MIN), at(63 * MIN).toISOString());
    expect(await planner.plan([resolve], at(63 * MIN))).toEqual(noOutcome());
    const resolved = await planner.releaseDue(at(64 * MIN));
    expect(resolved.notifications.map((n) => [n.status, n.count, n.fingerprint])).toEqual([
      ['resolved', 1, resolve.fingerprint],
    ]);
    expect((await planner.plan([f(65 * MIN)], at(65 * MIN))).notifications).toHaveLength(1);
    await planner.releaseDue(at(66 * MIN));
    expect(
      (await planner.plan([f(66 * MIN + 4 * 60 * MIN)], at(67 * MIN + 4 * 60 * MIN))).notifications,
    ).toHaveLength(1);
  });
});

describe('silences', () => {
  it('mutes matching failures only inside their time range', async () => {
    const { policy: p, errors } = parseNotifyPolicy(
      {
        silences: [
          {
            comment: 'planned node pool rebuild',
            cluster: 'aks-prod-*',
            startsAt: at(0).toISOString(),
            endsAt: at(60 * MIN).toISOString(),
          },
        ],
      },
      'routing.yaml',
    );
    expect(errors).toEqual([]);
    const planner = createPlanner(createMemoryStore(), p);
    expect((await planner.plan([nodeFailure(1)], at(MIN))).silenced).toHaveLength(1);
    expect((await planner.plan([nodeFailure(2)], at(61 * MIN))).notifications).toHaveLength(1);
  });

  it('names the file, the silence and the field in errors', () => {
    const { errors } = parseNotifyPolicy(
      { grouping: { window: 'soon' }, silences: [{ comment: 'x', severity: 'loud' }, 'nope'] },
      'routing.yaml',
    );
    expect(errors).toEqual([
      expect.stringMatching(/^routing\.yaml: grouping\.window: must be a duration/),
      expect.stringMatching(/^routing\.yaml: silences\[0\]\.severity: /),
      expect.stringMatching(/^routing\.yaml: silences\[1\]\.\(entry\): /),
    ]);
  });
});

describe('policy from app settings', () => {
  it('takes NOTIFY_* settings as defaults that the routing file overrides', () => {
    const base = notifyPolicyDefaults(
      readSettings({
        NOTIFY_GROUP_WINDOW: '10m',
        NOTIFY_REPEAT_INTERVAL: '1d',
        NOTIFY_AUTOREPAIR_HOLD: '90m',
        NOTIFY_NOTREADY_GRACE: '20m',
      }),
    );
    expect(base).toMatchObject({
      groupWindowMs: 10 * MIN,
      repeatIntervalMs: 24 * 60 * MIN,
      autoRepairHoldMs: 90 * MIN,
      notReadyGraceMs: 20 * MIN,
    });
    const { policy: p, errors } = parseNotifyPolicy(
      { grouping: { repeatInterval: '2h', notReadyGrace: '12m' } },
      'routing.yaml',
      base,
    );
    expect(errors).toEqual([]);
    expect(p).toMatchObject({
      groupWindowMs: 10 * MIN,
      repeatIntervalMs: 120 * MIN,
      autoRepairHoldMs: 90 * MIN,
      notReadyGraceMs: 12 * MIN,
    });
  });

  it('keeps the code defaults when the settings are unset', () => {
    expect(notifyPolicyDefaults(readSettings({}))).toEqual(DEFAULT_POLICY);
  });

  it('rejects an unreadable duration by setting name', () => {
    expect(() => readSettings({ NOTIFY_REPEAT_INTERVAL: 'four hours' })).toThrow(/NOTIFY_REPEAT_INTERVAL/);
  });

  it('rejects a silence time without a time of day, naming the field', () => {
    const { errors, policy: p } = parseNotifyPolicy(
      {
        silences: [
          { comment: 'ok', cluster: 'a' },
          { comment: 'bad', cluster: 'b', endsAt: '2026-03-14' },
        ],
      },
      'routing.yaml',
    );
    expect(errors).toEqual([
      expect.stringMatching(/^routing\.yaml: silences\[1\]\.endsAt: must be an ISO 8601 date-time/),
    ]);
    expect(p.silences.map((x) => x.comment)).toEqual(['ok']);
  });
});

describe('nothing is lost', () => {
  it('puts every failure in exactly one of: notified, grouped, held, suppressed, silenced', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            node: fc.integer({ min: 0, max: 4 }),
            gap: fc.integer({ min: 0, max: 20 * MIN }),
            critical: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        async (steps) => {
          const planner = createPlanner(createMemoryStore(), policy());
          let t = 0;
          let accounted = 0;
          let notifiedCount = 0;
          for (const [i, s] of steps.entries()) {
            t += s.gap;
            const f = nodeFailure(s.node, {
              sourceId: `s-${i}`,
              occurredAt: at(t).toISOString(),
              severity: s.critical ? 'critical' : 'error',
            });
            const released = await planner.releaseDue(at(t));
            notifiedCount += released.notifications.reduce((n, x) => n + newlyReported(x), 0);
            const r = await planner.plan([f], at(t));
            notifiedCount += r.notifications.reduce((n, x) => n + newlyReported(x), 0);
            accounted += r.suppressed.length + r.held.length + r.silenced.length;
          }
          const last = await planner.releaseDue(at(t + 365 * 24 * 60 * MIN));
          notifiedCount += last.notifications.reduce((n, x) => n + newlyReported(x), 0);
          expect(notifiedCount + accounted).toBe(steps.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
