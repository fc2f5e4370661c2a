/**
 * N distinct AKS failures as exported Log Analytics rows (AzureActivity, the `run --source <file>`
 * format): one failed agent pool write per cluster, each its own group (cluster + code), and the
 * same N as Alertmanager alerts, each with its own label set.
 */
const SUB = '3f2c1a9e-7b4d-4c1e-9a8f-2d6e5b4c3a21';
const clusterName = (i: number) => `aks-${String(i).padStart(5, '0')}`;

export function activityRows(n: number, at: Date): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `/subscriptions/${SUB}/resourcegroups/rg-aks/providers/microsoft.containerservice/managedclusters/${clusterName(i)}`;
    const hex = i.toString(16).padStart(12, '0');
    return {
      TimeGenerated: new Date(at.getTime() - 60_000 + (i % 1000)).toISOString(),
      EventDataId: `a1b2c3d4-0000-4000-8000-${hex}`,
      CorrelationId: `7f0c9b1e-5d7a-4a51-9c3e-${hex}`,
      OperationNameValue: 'MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AGENTPOOLS/WRITE',
      ActivityStatusValue: 'Failure',
      ActivitySubstatusValue: '',
      Level: 'Error',
      Caller: 'ops@contoso.com',
      ResourceGroup: 'rg-aks',
      SubscriptionId: SUB,
      _ResourceId: `${id}/agentpools/userpool`,
      StatusCode: 'BadRequest',
      StatusMessage: JSON.stringify({
        status: 'Failed',
        error: {
          code: 'ResourceOperationFailure',
          details: [{ code: 'SubnetIsFull', message: 'Subnet is full.' }],
        },
      }),
    };
  });
}

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
