/**
 * N distinct AKS failures as exported Log Analytics rows (AzureActivity, the `run --source <file>`
 * format): one failed agent pool write per cluster, each its own group (cluster + code), and the
 * same N as Alertmanager alerts, each with its own label set.
 */
import { operationRow } from '../../tests/support/fanout.js';

const clusterName = (i: number) => `aks-${String(i).padStart(4, '0')}`;

export const activityRows = (n: number, at: Date): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) =>
    operationRow(i, i, new Date(at.getTime() - 60_000 + (i % 1000)).toISOString()),
  );

export function alertmanagerAlerts(n: number, at: Date): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    labels: {
      alertname: 'AgentPoolWriteFailed',
      cluster: clusterName(i),
      code: 'SubnetIsFull',
      nodepool: 'userpool',
      severity: 'error',
    },
    annotations: { summary: `Agent pool write failed on ${clusterName(i)}/userpool: SubnetIsFull` },
    startsAt: new Date(at.getTime() - 60_000).toISOString(),
  }));
}
