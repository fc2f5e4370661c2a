import { describe, expect, it } from 'vitest';
import {
  autoscalerErrorCodes,
  fromAutoscalerLogs,
} from '../../../src/sources/logAnalytics/fromAutoscalerLogs.js';

const RID =
  '/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg-batch/providers/microsoft.containerservice/managedclusters/aks-batch-eus';
const QUOTA_LINE =
  'E1120 09:12:44.318271       1 azure_scale_set.go:184] Failed to update the capacity for aks-spotpool-31415926-vmss: ' +
  'Retriable: false, RetryAfter: 0s, HTTPStatusCode: 409, RawError: {"error":{"code":"OperationNotAllowed","message":"Operation could not be completed as it results in exceeding approved standardDSv3Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: eastus, Current Limit: 100, Current Usage: 96, Additional Required: 8, (Minimum) New Limit Required: 104."}}';

describe('fromAutoscalerLogs', () => {
  it('turns an AKSControlPlane error line into an autoscaler signal with the quoted Azure code', () => {
    const out = fromAutoscalerLogs({
      TimeGenerated: '2026-11-20T09:12:44.400Z',
      _ResourceId: RID,
      Category: 'cluster-autoscaler',
      Level: 'ERROR',
      PodName: 'cluster-autoscaler-6d5f7c9b8-x2k4q',
      Message: QUOTA_LINE,
    });
    if (!('signal' in out)) throw new Error(JSON.stringify(out));
    expect(out.signal).toMatchObject({
      source: 'autoscaler-log',
      kind: 'autoscaler',
      status: 'firing',
      errorCodes: ['OperationNotAllowed'],
      nodePool: 'spotpool',
      cluster: { name: 'aks-batch-eus' },
      attributes: {
        level: 'error',
        logSite: 'azure_scale_set.go:184',
        pod: 'cluster-autoscaler-6d5f7c9b8-x2k4q',
      },
    });
    expect(out.signal.texts[0]).toMatch(/^Failed to update the capacity/);
    expect(out.signal.title).toMatch(/^Cluster autoscaler \(aks-batch-eus\): Failed to update the capacity/);
  });

  it('reads the legacy AzureDiagnostics columns and skips informational lines', () => {
    const legacy = fromAutoscalerLogs({
      TimeGenerated: '2026-11-20T09:13:00Z',
      _ResourceId: RID,
      Category: 'cluster-autoscaler',
      pod_s: 'cluster-autoscaler-6d5f7c9b8-x2k4q',
      log_s:
        'W1120 09:13:00.000001       1 clusterstate.go:447] Failed to find readiness information for aks-spotpool-31415926-vmss',
    });
    expect(legacy).toHaveProperty('signal.attributes.level', 'warning');
    expect(
      fromAutoscalerLogs({
        TimeGenerated: '2026-11-20T09:13:00Z',
        Category: 'cluster-autoscaler',
        log_s: 'I1120 09:13:00.000001       1 static_autoscaler.go:290] Starting main loop',
      }),
    ).toEqual({ skip: 'informational autoscaler line' });
    expect(fromAutoscalerLogs({ Category: 'kube-apiserver', Message: 'E1120 x' })).toHaveProperty('skip');
  });

  it('orders nested codes most specific first', () => {
    expect(
      autoscalerErrorCodes(
        'Code="ResourceOperationFailure" Message="x" details: {"code": "ZonalAllocationFailed"}',
      ),
    ).toEqual(['ZonalAllocationFailed', 'ResourceOperationFailure']);
  });

  it('is stable for the same row and names the field of a bad one', () => {
    const r = {
      TimeGenerated: '2026-11-20T09:12:44.400Z',
      _ResourceId: RID,
      Category: 'cluster-autoscaler',
      Message: QUOTA_LINE,
    };
    const a = fromAutoscalerLogs(r);
    const b = fromAutoscalerLogs({ ...r });
    expect(a).toHaveProperty('signal.sourceId');
    expect('signal' in a && 'signal' in b && a.signal.sourceId === b.signal.sourceId).toBe(true);
    expect(
      fromAutoscalerLogs({ Category: 'cluster-autoscaler', TimeGenerated: '2026-11-20T09:12:44Z' }, 'row 2'),
    ).toEqual({
      error: { row: 'row 2', field: 'Message', message: 'missing (no Message or log_s)' },
    });
  });
});
