/** A KubeEvents row as Container Insights stores a failed node auto-repair (a reimage that failed). */
export function repairRow(
  clusterResourceId: string,
  node: string,
  timeGenerated: string,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    TimeGenerated: timeGenerated,
    ClusterId: clusterResourceId,
    ClusterName: clusterResourceId.split('/').pop(),
    _ResourceId: clusterResourceId,
    ObjectKind: 'Node',
    Name: node,
    Reason: 'NodeReimageError',
    KubeEventType: 'Warning',
    SourceComponent: 'aks-auto-repair',
    Message:
      'Node auto-repair reimage action failed due to an operation failure: ARM ErrorCode: VMRedeploymentFailed',
    FirstSeen: timeGenerated,
    LastSeen: timeGenerated,
    Count: 1,
    ...over,
  };
}
