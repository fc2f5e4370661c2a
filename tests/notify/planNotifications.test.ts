import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnrichedFailure } from '../../src/model.js';
import { createPlanner } from '../../src/notify/planNotifications.js';
import type { NotifyPolicy } from '../../src/notify/policy.js';
import { readSettings } from '../../src/config.js';
import { DEFAULT_POLICY, notifyPolicyDefaults, parseNotifyPolicy } from '../../src/notify/policy.js';
import { createFileStore } from '../../src/state/fileStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import { autoRepairFailure, CLUSTER_ID, operationFailure, resolvedOf } from '../support/enrichedFailures.js';

const T0 = Date.parse('2026-03-14T03:00:00Z');
const at = (ms: number) => new Date(T0 + ms);
const MIN = 60_000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'notify-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const policy = (overrides: Partial<NotifyPolicy> = {}): NotifyPolicy => ({ ...DEFAULT_POLICY, ...overrides });

/** A node failure of the same cluster and code on a distinct node. */
function nodeFailure(i: number, overrides: Partial<EnrichedFailure> = {}): EnrichedFailure {
  const node = `aks-nodepool1-38471923-vmss${String(i).padStart(6, '0')}`;
  return autoRepairFailure(node, {
    sourceId: `kube-events|${node}|${i}`,
    fingerprint: `fp-${node}`,
    occurredAt: at(i * 1000).toISOString(),
    ...overrides,
  });
}

function notReadyAlert(node: string, ms: number): EnrichedFailure {
  return operationFailure({
    source: 'common-alert',
    kind: 'alert',
    sourceId: `alert|${node}|${ms}`,
    fingerprint: `fp-notready-${node}`,
    node,
    title: 'Node NotReady',
    reason: 'Nodes in NotReady state',
    matches: [],
    occurredAt: at(ms).toISOString(),
    severity: 'critical',
  });
}

function repairEvent(node: string, reason: string, ms: number): EnrichedFailure {
  return autoRepairFailure(node, {
    sourceId: `kube-events|${node}|${reason}|${ms}`,
    fingerprint: `fp-repair-${node}-${reason}`,
    reason,
    status: reason.endsWith('Error') ? 'firing' : 'info',
    occurredAt: at(ms).toISOString(),
  });
}

describe('grouping', () => {
  it('sends the first of a burst at once and the rest as one group update when the window closes', async () => {
    const planner = createPlanner(createFileStore(dir), policy());
    const burst = Array.from({ length: 40 }, (_, i) => nodeFailure(i));
    const first = await planner.plan(burst, at(40_000));
    expect(first.notifications).toHaveLength(1);
    expect(first.notifications[0]?.count).toBe(1);
    expect(await planner.releaseDue(at(4 * MIN))).toEqual({
      notifications: [],
      held: [],
      suppressed: [],
      silenced: [],
    });
    // A restart: a new planner over the same state directory closes the window.
    const after = await createPlanner(createFileStore(dir), policy()).releaseDue(at(6 * MIN));
    expect(after.notifications).toHaveLength(1);
    const update = after.notifications[0];
    // The update counts the whole group, says the lead was already sent, and keeps the lead's
    // fingerprint, so a PagerDuty update lands on the incident the lead opened.
    expect(update?.count).toBe(40);
    expect(update?.sentBefore).toBe(1);
    expect(update?.fingerprint).toBe(first.notifications[0]?.fingerprint);
    expect(update?.failures.length).toBeLessThanOrEqual(20);
    expect(update?.nodes.length).toBe(40);
    expect(update?.groupKey).toContain(CLUSTER_ID.toLowerCase());
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
  it('stays quiet for the interval unless severity rises, and always sends resolves', async () => {
    const planner = createPlanner(createMemoryStore(), policy({ groupWindowMs: 1000 }));
    const f = (ms: number, severity: EnrichedFailure['severity'] = 'error') =>
      operationFailure({ sourceId: `row-${ms}`, occurredAt: at(ms).toISOString(), severity });
    expect((await planner.plan([f(0)], at(0))).notifications).toHaveLength(1);
    await planner.releaseDue(at(2000));
    expect((await planner.plan([f(60 * MIN)], at(60 * MIN))).suppressed).toHaveLength(1);
    expect((await planner.plan([f(61 * MIN, 'critical')], at(61 * MIN))).notifications).toHaveLength(1);
    await planner.releaseDue(at(62 * MIN));
    const resolved = await planner.plan([resolvedOf(f(62 * MIN), at(63 * MIN).toISOString())], at(63 * MIN));
    expect(resolved.notifications[0]?.status).toBe('resolved');
    await planner.releaseDue(at(64 * MIN));
    expect((await planner.plan([f(65 * MIN)], at(65 * MIN))).notifications).toHaveLength(1);
    await planner.releaseDue(at(66 * MIN));
    expect(
      (await planner.plan([f(66 * MIN + 4 * 60 * MIN)], at(67 * MIN + 4 * 60 * MIN))).notifications,
    ).toHaveLength(1);
  });
});

describe('auto-repair holds', () => {
  const node = 'aks-nodepool1-38471923-vmss000007';

  it('holds NotReady while repair runs and drops it when the repair ends', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    await planner.plan([repairEvent(node, 'NodeRebootStart', 0)], at(0));
    const alert = await planner.plan([notReadyAlert(node, 60_000)], at(60_000));
    expect(alert.held).toHaveLength(1);
    expect(alert.notifications).toEqual([]);
    await planner.plan([repairEvent(node, 'NodeRebootEnd', 5 * MIN)], at(5 * MIN));
    expect((await planner.releaseDue(at(2 * 60 * MIN))).notifications).toEqual([]);
  });

  it('releases held NotReady with the repair error when repair fails', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    await planner.plan([repairEvent(node, 'NodeReimageStart', 0)], at(0));
    await planner.plan([notReadyAlert(node, 60_000)], at(60_000));
    const failed = await planner.plan([repairEvent(node, 'NodeReimageError', 10 * MIN)], at(10 * MIN));
    expect(failed.notifications).toHaveLength(1);
    expect(failed.notifications[0]?.count).toBe(2);
    expect(failed.notifications[0]?.failures.map((f) => f.kind).sort()).toEqual([
      'alert',
      'node-auto-repair',
    ]);
  });

  it('pages when the node is still not ready when the hold runs out', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    await planner.plan([repairEvent(node, 'NodeRedeployStart', 0)], at(0));
    await planner.plan([notReadyAlert(node, 60_000)], at(60_000));
    expect((await planner.releaseDue(at(59 * MIN))).notifications).toEqual([]);
    const released = await planner.releaseDue(at(61 * MIN));
    expect(released.notifications).toHaveLength(1);
    expect(released.notifications[0]?.nodes).toEqual([node]);
  });

  it('holds NotReady with no repair under way for auto-repair to start, and pages after the grace (across a restart)', async () => {
    const alert = await createPlanner(createFileStore(dir), policy()).plan([notReadyAlert(node, 0)], at(0));
    expect(alert.notifications).toEqual([]);
    expect(alert.held).toHaveLength(1);
    const restarted = createPlanner(createFileStore(dir), policy());
    expect((await restarted.releaseDue(at(14 * MIN))).notifications).toEqual([]);
    const released = await restarted.releaseDue(at(16 * MIN));
    expect(released.notifications).toHaveLength(1);
    expect(released.notifications[0]?.nodes).toEqual([node]);
  });

  it('turns the grace into the repair hold when auto-repair starts, and drops the alert when it ends', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    await planner.plan([notReadyAlert(node, 0)], at(0));
    await planner.plan([repairEvent(node, 'NodeRebootStart', 10 * MIN)], at(10 * MIN));
    expect((await planner.releaseDue(at(20 * MIN))).notifications).toEqual([]);
    await planner.plan([repairEvent(node, 'NodeRebootEnd', 30 * MIN)], at(30 * MIN));
    expect((await planner.releaseDue(at(3 * 60 * MIN))).notifications).toEqual([]);
  });

  it('counts a held NotReady alert that resolves (the node recovered) and sends neither it nor its resolve', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    const fired = notReadyAlert(node, 0);
    await planner.plan([fired], at(0));
    const resolved = await planner.plan([resolvedOf(fired, at(5 * MIN).toISOString())], at(5 * MIN));
    expect(resolved.notifications).toEqual([]);
    expect(resolved.held).toHaveLength(1);
    expect((await planner.releaseDue(at(2 * 60 * MIN))).notifications).toEqual([]);
  });

  it('sends the resolve of a NotReady alert that was paged', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    const fired = notReadyAlert(node, 0);
    await planner.plan([fired], at(0));
    expect((await planner.releaseDue(at(16 * MIN))).notifications).toHaveLength(1);
    const resolved = await planner.plan([resolvedOf(fired, at(20 * MIN).toISOString())], at(20 * MIN));
    expect(resolved.notifications.map((n) => n.status)).toEqual(['resolved']);
  });

  it('sends NotReady at once when the grace is turned off', async () => {
    const planner = createPlanner(createMemoryStore(), policy({ notReadyGraceMs: 0 }));
    expect((await planner.plan([notReadyAlert(node, 0)], at(0))).notifications).toHaveLength(1);
  });
});

/** A silence on every aks-prod-* cluster for the first hour. */
const rebuildSilence = () =>
  parseNotifyPolicy(
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

describe('silences', () => {
  it('mutes matching failures only inside their time range', async () => {
    const { policy: p, errors } = rebuildSilence();
    expect(errors).toEqual([]);
    const planner = createPlanner(createMemoryStore(), p);
    expect((await planner.plan([nodeFailure(1)], at(MIN))).silenced).toHaveLength(1);
    expect((await planner.plan([nodeFailure(2)], at(61 * MIN))).notifications).toHaveLength(1);
  });

  it('mutes the resolve of a silenced failure too', async () => {
    const { policy: p } = rebuildSilence();
    const planner = createPlanner(createMemoryStore(), p);
    const fired = nodeFailure(1);
    expect((await planner.plan([fired], at(MIN))).silenced).toHaveLength(1);
    const resolved = await planner.plan([resolvedOf(fired, at(2 * MIN).toISOString())], at(2 * MIN));
    expect(resolved.notifications).toEqual([]);
    expect(resolved.silenced).toHaveLength(1);
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
      }),
    );
    expect(base).toMatchObject({
      groupWindowMs: 10 * MIN,
      repeatIntervalMs: 24 * 60 * MIN,
      autoRepairHoldMs: 90 * MIN,
    });
    const { policy: p, errors } = parseNotifyPolicy(
      { grouping: { repeatInterval: '2h' } },
      'routing.yaml',
      base,
    );
    expect(errors).toEqual([]);
    expect(p).toMatchObject({
      groupWindowMs: 10 * MIN,
      repeatIntervalMs: 120 * MIN,
      autoRepairHoldMs: 90 * MIN,
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
            notifiedCount += released.notifications.reduce((n, x) => n + x.count - (x.sentBefore ?? 0), 0);
            const r = await planner.plan([f], at(t));
            notifiedCount += r.notifications.reduce((n, x) => n + x.count, 0);
            accounted += r.suppressed.length + r.held.length + r.silenced.length;
          }
          const last = await planner.releaseDue(at(t + 365 * 24 * 60 * MIN));
          notifiedCount += last.notifications.reduce((n, x) => n + x.count - (x.sentBefore ?? 0), 0);
          expect(notifiedCount + accounted).toBe(steps.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
