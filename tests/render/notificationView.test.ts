import { describe, expect, it } from 'vitest';
import { cardTitle } from '../../src/render/notificationView.js';
import { TEXT_BUDGETS } from '../../src/render/shortenToFit.js';
import { autoscalerFailure, groupNotification, notificationOf } from '../support/enrichedFailures.js';

describe('cardTitle of a group over several nodes', () => {
  it('names the nodes whole at every text budget, keeping the code', () => {
    for (const budget of TEXT_BUDGETS) {
      const title = cardTitle(groupNotification(12), budget);
      expect(title.length).toBeLessThanOrEqual(Math.min(budget.line, 160));
      expect(title).not.toMatch(/NODES-OF|node 12/);
      expect(title).toMatch(/: NodeRebootError$/);
    }
    const smallest = TEXT_BUDGETS[TEXT_BUDGETS.length - 1];
    if (!smallest) throw new Error('no text budgets');
    expect(cardTitle(groupNotification(12), smallest)).toBe("Auto-repair couldn't r…: NodeRebootError");
  });

  it("says an autoscaler can't scale down the nodes, not 'node N nodes'", () => {
    const down = (node: string) =>
      autoscalerFailure({ node, reason: 'ScaleDownFailed', title: 'Cluster autoscaler: scale down failed' });
    const budget = TEXT_BUDGETS[0];
    if (!budget) throw new Error('no text budgets');
    expect(
      cardTitle(notificationOf([down('aks-gpu-1-vmss000001'), down('aks-gpu-1-vmss000002')]), budget),
    ).toBe("Autoscaler can't scale down 2 nodes in pool gpu on aks-prod-weu-01: ZonalAllocationFailed");
  });
});
