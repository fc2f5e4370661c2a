import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPlanner } from '../../src/notify/planNotifications.js';
import { nodeKey } from '../../src/notify/nodeHolds.js';
import { NOTIFY_SCOPES } from '../../src/notify/notifyScopes.js';
import { createFileStore } from '../../src/state/fileStore.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import {
  at,
  MIN,
  nodeName,
  notReadyAlert,
  policy,
  recoveredAlert,
  repairEvent,
} from '../support/plannerScenarios.js';

const node = 'aks-nodepool1-38471923-vmss000007';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'holds-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A planner over the state directory, as after a restart: every step below starts a new one. */
const restarted = () => createPlanner(createFileStore(dir), policy());

describe('NotReady with no repair under way (grace period)', () => {
  it('holds the alert for the grace period, waiting for auto-repair to start, then sends it', async () => {
    const first = await restarted().plan([notReadyAlert(node, 0)], at(0));
    expect(first.notifications).toEqual([]);
    expect(first.held).toHaveLength(1);
    expect((await restarted().releaseDue(at(14 * MIN))).notifications).toEqual([]);
    const released = await restarted().releaseDue(at(15 * MIN));
    expect(released.notifications).toHaveLength(1);
    expect(released.notifications[0]?.nodes).toEqual([node]);
    expect(released.notifications[0]?.status).toBe('firing');
  });

  it('takes the grace period from NOTIFY_NOTREADY_GRACE / grouping.notReadyGrace', async () => {
    const planner = createPlanner(createMemoryStore(), policy({ notReadyGraceMs: 5 * MIN }));
    expect((await planner.plan([notReadyAlert(node, 0)], at(0))).held).toHaveLength(1);
    expect((await planner.releaseDue(at(5 * MIN))).notifications).toHaveLength(1);
  });

  it('hands the alert to the repair hold when auto-repair starts within the grace period', async () => {
    await restarted().plan([notReadyAlert(node, 0)], at(0));
    await restarted().plan([repairEvent(node, 'NodeRebootStart', 12 * MIN)], at(12 * MIN));
    // The grace period alone would have ended at 15 minutes.
    expect((await restarted().releaseDue(at(30 * MIN))).notifications).toEqual([]);
    expect((await restarted().releaseDue(at(71 * MIN))).notifications).toEqual([]);
    const released = await restarted().releaseDue(at(72 * MIN));
    expect(released.notifications.map((n) => n.nodes)).toEqual([[node]]);
  });

  it('sends the held alert with the repair error when the repair fails', async () => {
    await restarted().plan([notReadyAlert(node, 0)], at(0));
    await restarted().plan([repairEvent(node, 'NodeRebootStart', 12 * MIN)], at(12 * MIN));
    const failed = await restarted().plan([repairEvent(node, 'NodeRebootError', 20 * MIN)], at(20 * MIN));
    expect(failed.notifications).toHaveLength(1);
    expect(failed.notifications[0]?.count).toBe(2);
    expect(failed.notifications[0]?.failures.map((f) => f.kind).sort()).toEqual([
      'alert',
      'node-auto-repair',
    ]);
    expect((await restarted().releaseDue(at(3 * 60 * MIN))).notifications).toEqual([]);
  });

  it('sends nothing when the node recovers in the grace period: no resolve, and no stale alert later', async () => {
    await restarted().plan([notReadyAlert(node, 0)], at(0));
    const recovered = await restarted().plan([recoveredAlert(node, 8 * MIN)], at(8 * MIN));
    expect(recovered.notifications).toEqual([]);
    expect(recovered.recovered).toHaveLength(1);
    expect(recovered.suppressed).toEqual([]);
    expect((await restarted().releaseDue(at(3 * 60 * MIN))).notifications).toEqual([]);
    // The next NotReady of the node is held afresh.
    expect((await restarted().plan([notReadyAlert(node, 4 * 60 * MIN)], at(4 * 60 * MIN))).held).toHaveLength(
      1,
    );
  });

  it('sends alerts that run out together as one notification and an update, not one each', async () => {
    const planner = createPlanner(createMemoryStore(), policy());
    const alerts = [1, 2, 3].map((i) => notReadyAlert(nodeName(i), i * 1000));
    expect((await planner.plan(alerts, at(5000))).held).toHaveLength(3);
    const released = await planner.releaseDue(at(16 * MIN));
    expect(released.notifications.map((n) => n.count)).toEqual([1]);
    const update = await planner.releaseDue(at(22 * MIN));
    expect(update.notifications.map((n) => [n.count, n.nodes.length])).toEqual([[3, 3]]);
  });
});

describe('NotReady while a repair is under way', () => {
  it('holds the alert while the repair runs and sends it when the hold runs out', async () => {
    await restarted().plan([repairEvent(node, 'NodeRedeployStart', 0)], at(0));
    expect((await restarted().plan([notReadyAlert(node, MIN)], at(MIN))).held).toHaveLength(1);
    expect((await restarted().releaseDue(at(59 * MIN))).notifications).toEqual([]);
    const released = await restarted().releaseDue(at(61 * MIN));
    expect(released.notifications).toHaveLength(1);
    expect(released.notifications[0]?.nodes).toEqual([node]);
  });

  it('sends nothing when the node recovers after the repair ends', async () => {
    await restarted().plan([repairEvent(node, 'NodeRebootStart', 0)], at(0));
    expect((await restarted().plan([notReadyAlert(node, MIN)], at(MIN))).held).toHaveLength(1);
    await restarted().plan([repairEvent(node, 'NodeRebootEnd', 5 * MIN)], at(5 * MIN));
    const recovered = await restarted().plan([recoveredAlert(node, 9 * MIN)], at(9 * MIN));
    expect(recovered.recovered).toHaveLength(1);
    expect(recovered.notifications).toEqual([]);
    expect((await restarted().releaseDue(at(2 * 60 * MIN))).notifications).toEqual([]);
  });

  it('sends the alert when the node is still NotReady a grace period after the repair ended', async () => {
    // An end event does not say the node is healthy; the next action would start within minutes.
    await restarted().plan([notReadyAlert(node, 0)], at(0));
    await restarted().plan([repairEvent(node, 'NodeRebootStart', 12 * MIN)], at(12 * MIN));
    await restarted().plan([repairEvent(node, 'NodeRebootEnd', 17 * MIN)], at(17 * MIN));
    expect((await restarted().releaseDue(at(31 * MIN))).notifications).toEqual([]);
    expect((await restarted().releaseDue(at(32 * MIN))).notifications).toHaveLength(1);
  });

  it('keeps holding through the next action when it starts after an end', async () => {
    await restarted().plan([notReadyAlert(node, 0)], at(0));
    await restarted().plan([repairEvent(node, 'NodeRebootStart', 12 * MIN)], at(12 * MIN));
    await restarted().plan([repairEvent(node, 'NodeRebootEnd', 17 * MIN)], at(17 * MIN));
    await restarted().plan([repairEvent(node, 'NodeReimageStart', 22 * MIN)], at(22 * MIN));
    expect((await restarted().releaseDue(at(40 * MIN))).notifications).toEqual([]);
    const recovered = await restarted().plan([recoveredAlert(node, 45 * MIN)], at(45 * MIN));
    expect(recovered.recovered).toHaveLength(1);
    expect((await restarted().releaseDue(at(3 * 60 * MIN))).notifications).toEqual([]);
  });

  it('keeps honouring a repair hold stored before holds had phases', async () => {
    const alert = notReadyAlert(node, MIN);
    await createFileStore(dir).put(NOTIFY_SCOPES.holds, nodeKey(alert), {
      startedAt: at(0).toISOString(),
      until: at(60 * MIN).toISOString(),
      failures: [],
    });
    expect((await restarted().plan([alert], at(MIN))).held).toHaveLength(1);
    expect((await restarted().plan([recoveredAlert(node, 2 * MIN)], at(2 * MIN))).recovered).toHaveLength(1);
    // A repair is still running: the next NotReady waits for it, not for a new grace period.
    await restarted().plan([notReadyAlert(node, 3 * MIN)], at(3 * MIN));
    expect((await restarted().releaseDue(at(59 * MIN))).notifications).toEqual([]);
    expect((await restarted().releaseDue(at(60 * MIN))).notifications).toHaveLength(1);
  });
});
