import { describe, expect, it } from 'vitest';
import type { PlanOutcome } from '../../src/ports.js';
import { toConsoleReport } from '../../src/render/toConsoleReport.js';
import { failureTitle } from '../../src/render/failureTitle.js';
import {
  autoRepairFailure,
  autoscalerFailure,
  groupNotification,
  hostileFailure,
  notificationOf,
  operationFailure,
  plainAlertFailure,
} from '../support/enrichedFailures.js';

const plain = { color: false, verbose: false };

function plan(parts: Partial<PlanOutcome>): PlanOutcome {
  return { notifications: [], held: [], suppressed: [], silenced: [], recovered: [], ...parts };
}

describe('failureTitle', () => {
  it('says what failed, where and the code, from the structured fields', () => {
    expect(failureTitle(operationFailure())).toBe(
      'Node pool nodepool1 update failed on aks-prod-weu-01: VMExtensionProvisioningError',
    );
    expect(failureTitle(operationFailure(), { withoutCluster: true })).toBe(
      'Node pool nodepool1 update failed: VMExtensionProvisioningError',
    );
    expect(failureTitle(autoRepairFailure())).toBe(
      "Auto-repair couldn't reboot aks-nodepool1-38471923-vmss000002 on aks-prod-weu-01: NodeRebootError",
    );
    const autoscaler = autoscalerFailure();
    expect(failureTitle(autoscaler)).toBe(
      "Autoscaler can't scale pool gpu on aks-prod-weu-01: ZonalAllocationFailed",
    );
  });

  it('stays one bounded line for hostile input', () => {
    const t = failureTitle(hostileFailure(`x\n\u001b[31m${'y'.repeat(5000)}`), { max: 120 });
    expect(t.length).toBeLessThanOrEqual(120);
    expect(t).not.toContain('\n');
    expect(t).not.toContain('\u001b');
  });
});

describe('toConsoleReport', () => {
  it('prints one marked line per notification and per kept-back failure, under its cluster', () => {
    const sent = notificationOf([operationFailure()]);
    const repeat = operationFailure({ sourceId: 'again', occurredAt: '2026-03-14T02:30:00.000Z' });
    const lines = toConsoleReport(
      [operationFailure(), repeat],
      [plan({ notifications: [sent], suppressed: [repeat] })],
      plain,
    );
    expect(lines).toEqual([
      'Failures of 2026-03-14 (UTC):',
      'aks-prod-weu-01  rg-aks-prod-weu · Kubernetes 1.30.6 · production',
      '  ERROR    new        02:17  Node pool nodepool1 update failed: VMExtensionProvisioningError',
      '  ERROR    suppressed 02:30  Node pool nodepool1 update failed: VMExtensionProvisioningError (repeat of the 02:17 notification)',
    ]);
  });

  it("puts a node's repairs on one timeline line", () => {
    const node = 'aks-nodepool1-38471923-vmss000002';
    const start = autoRepairFailure(node, {
      status: 'info',
      severity: 'info',
      reason: 'NodeRebootStart',
      sourceId: 's',
      occurredAt: '2026-03-14T02:50:00.000Z',
    });
    const failed = autoRepairFailure(node);
    const lines = toConsoleReport(
      [start, failed],
      [plan({ notifications: [notificationOf([failed])] })],
      plain,
    );
    expect(lines.filter((l) => l.includes(node))).toEqual([
      `  ERROR    new        03:02  node ${node}: reboot 02:50–03:02 ✗ NodeRebootError`,
    ]);
  });

  it('counts a group once, with how many failures it holds', () => {
    const g = groupNotification(12);
    const lines = toConsoleReport(g.failures, [plan({ notifications: [g] })], plain);
    expect(lines.filter((l) => / new /.test(l))).toHaveLength(1);
    expect(lines.join('\n')).toContain('×12');
  });

  it('counts a repeat whose title starts with "node" like any other (only a timeline goes without)', () => {
    const first = plainAlertFailure({ title: 'node memory pressure', sourceId: 'a' });
    const again = plainAlertFailure({ title: 'node memory pressure', sourceId: 'b' });
    const lines = toConsoleReport([first, again], [plan({ suppressed: [first, again] })], plain);
    expect(lines.join('\n')).toMatch(/suppressed +04:45 +node memory pressure ×2 /);
  });

  it('marks what was held, silenced, left for the group update and recovered, and says why', () => {
    const held = autoRepairFailure('aks-n-held', { reason: 'NodeNotReady', sourceId: 'h', kind: 'alert' });
    const silenced = operationFailure({ sourceId: 's', nodePool: 'p2', fingerprint: 'f'.repeat(32) });
    const grouped = operationFailure({ sourceId: 'g', nodePool: 'p3', fingerprint: 'e'.repeat(32) });
    const lines = toConsoleReport(
      [held, silenced, grouped],
      [plan({ held: [held], silenced: [{ failure: silenced }] })],
      plain,
    ).join('\n');
    expect(lines).toMatch(/ERROR +held +\d\d:\d\d .*\(node NotReady: waiting for auto-repair\)/);
    expect(lines).toMatch(
      /ERROR +silenced +02:17 +Node pool p2 update failed: VMExtensionProvisioningError \(silenced\)/,
    );
    expect(lines).toMatch(
      /ERROR +grouped +02:17 +Node pool p3 update failed: .*\(goes out with the group update\)/,
    );
  });

  it('colours severities only when asked, and shows hostile names as text', () => {
    const f = hostileFailure('\u001b[2J\u001b]8;;https://evil.example\u0007x');
    const n = notificationOf([f]);
    const coloured = toConsoleReport([f], [plan({ notifications: [n] })], { color: true, verbose: true });
    expect(coloured.join('\n')).toContain('\u001b[31mERROR');
    // The only escapes are ours: none from the payload reaches the terminal.
    const ours = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g');
    for (const l of coloured) expect(l.replace(ours, '')).not.toContain('\u001b');
    expect(toConsoleReport([f], [plan({ notifications: [n] })], plain).join('\n')).not.toContain('\u001b');
  });
});
