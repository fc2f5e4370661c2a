import { describe, expect, it } from 'vitest';
import { autoRepairErrorCode, fromKubeEvents } from '../../../src/sources/logAnalytics/fromKubeEvents.js';
import { sampleBody } from '../../support/fakeLogAnalytics.js';

const RID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-aks/providers/microsoft.containerservice/managedclusters/aks-prod-01';

function row(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    TimeGenerated: '2026-11-20T10:16:00Z',
    ClusterId: RID,
    ClusterName: 'aks-prod-01',
    _ResourceId: RID,
    ObjectKind: 'Node',
    Name: 'aks-nodepool1-12345678-vmss000002',
    Namespace: '',
    Reason: 'NodeRedeployError',
    KubeEventType: 'Warning',
    SourceComponent: 'aks-auto-repair',
    Message:
      'Node auto-repair redeploy action failed due to an operation failure. Learn more: aka.ms/aks/node-auto-repair-errors',
    FirstSeen: '2026-11-20T10:15:30Z',
    LastSeen: '2026-11-20T10:15:30Z',
    Count: 1,
    ...over,
  };
}

function signalOf(r: Record<string, unknown>) {
  const out = fromKubeEvents(r);
  if (!('signal' in out)) throw new Error(`expected a signal, got ${JSON.stringify(out)}`);
  return out.signal;
}

describe('fromKubeEvents', () => {
  it('turns an auto-repair Error row without an error code into a firing node-auto-repair signal', () => {
    const s = signalOf(row());
    expect(s).toMatchObject({
      source: 'kube-events',
      kind: 'node-auto-repair',
      status: 'firing',
      reason: 'NodeRedeployError',
      occurredAt: '2026-11-20T10:15:30.000Z',
      node: 'aks-nodepool1-12345678-vmss000002',
      nodePool: 'nodepool1',
      errorCodes: [],
      cluster: {
        name: 'aks-prod-01',
        resourceGroup: 'rg-aks',
        subscriptionId: '00000000-0000-0000-0000-000000000000',
      },
    });
    expect(s.title).toBe(
      'Node auto-repair redeploy failed on aks-nodepool1-12345678-vmss000002 (aks-prod-01)',
    );
    expect(s.texts).toEqual([row().Message]);
    expect(s.sourceId).toMatch(/^kubeevents:[0-9a-f]{32}$/);
  });

  it('reads an error code from the message only where one is present', () => {
    expect(
      autoRepairErrorCode(
        'Node auto-repair reboot action failed due to an operation failure. See error details here: TooManyVMRedeploymentRequests',
      ),
    ).toBe('TooManyVMRedeploymentRequests');
    expect(
      autoRepairErrorCode(
        'Node auto-repair reboot action failed due to an operation failure: ARM ErrorCode: VMRedeploymentFailed',
      ),
    ).toBe('VMRedeploymentFailed');
    expect(
      autoRepairErrorCode('Node auto-repair reboot action failed due to an operation failure: [NotFound]'),
    ).toBe('NotFound');
    expect(
      autoRepairErrorCode(
        'Node auto-repair reimage action failed due to an operation failure: ClientSecretCredential authentication failed',
      ),
    ).toBeUndefined();
    expect(autoRepairErrorCode(row().Message as string)).toBeUndefined();
    const s = signalOf(
      row({
        Message:
          'Node auto-repair reimage action failed due to an operation failure. See error details here: ARM ErrorCode: OutboundConnectivityNotEnabledOnVMSS',
        Reason: 'NodeReimageError',
      }),
    );
    expect(s.errorCodes).toEqual(['OutboundConnectivityNotEnabledOnVMSS']);
  });

  it('decides by Reason: Start and End rows are info, whatever the message says', () => {
    expect(signalOf(row({ Reason: 'NodeRebootStart', Message: 'anything at all' }))).toMatchObject({
      status: 'info',
      title: 'Node auto-repair started a reboot of aks-nodepool1-12345678-vmss000002 (aks-prod-01)',
    });
    expect(signalOf(row({ Reason: 'NodeReimageEnd', SourceComponent: '' })).status).toBe('info');
  });

  it('gives the same sourceId to the same row read twice, and a different one to another occurrence', () => {
    expect(signalOf(row()).sourceId).toBe(signalOf(row({ TimeGenerated: '2026-11-20T10:17:00Z' })).sourceId);
    expect(signalOf(row()).sourceId).not.toBe(
      signalOf(row({ LastSeen: '2026-11-20T10:25:30Z', Count: 2 })).sourceId,
    );
    expect(signalOf(row()).sourceId).not.toBe(
      signalOf(row({ Name: 'aks-nodepool1-12345678-vmss000003' })).sourceId,
    );
  });

  it('takes autoscaler Warning events as autoscaler signals and skips other events', () => {
    const s = signalOf(
      row({
        ObjectKind: 'Pod',
        Name: 'web-7d9f8-abcde',
        Namespace: 'shop',
        Reason: 'NotTriggerScaleUp',
        SourceComponent: 'cluster-autoscaler',
        Message: "pod didn't trigger scale-up: 1 max node group size reached",
      }),
    );
    expect(s).toMatchObject({ kind: 'autoscaler', status: 'firing', reason: 'NotTriggerScaleUp' });
    expect(s.node).toBeUndefined();
    expect(s.attributes.object).toBe('Pod/web-7d9f8-abcde');
    const skipped = fromKubeEvents(row({ ObjectKind: 'Pod', Reason: 'BackOff', SourceComponent: 'kubelet' }));
    expect(skipped).toEqual({ skip: 'event BackOff from kubelet is not a failure' });
  });

  it('names the row and field of a bad row', () => {
    expect(fromKubeEvents(row({ LastSeen: 'soon', FirstSeen: null }), 'row 3 (KubeEvents)')).toEqual({
      error: { row: 'row 3 (KubeEvents)', field: 'LastSeen', message: 'not a datetime: "soon"' },
    });
    expect(fromKubeEvents(row({ Reason: null, SourceComponent: null }), 'row 4')).toEqual({
      error: { row: 'row 4', field: 'Reason', message: 'missing' },
    });
  });

  it('parses the sample auto-repair rows', () => {
    const body = sampleBody('CONSTRUCTED-kubeevents-node-auto-repair-rows.json') as {
      tables: { columns: { name: string }[]; rows: unknown[][] }[];
    };
    const t = body.tables[0];
    if (!t) throw new Error('no table');
    const signals = t.rows.map((r) => signalOf(Object.fromEntries(t.columns.map((c, i) => [c.name, r[i]]))));
    expect(signals.length).toBe(t.rows.length);
    expect(signals.every((s) => s.kind === 'node-auto-repair' && s.cluster?.name === 'aks-prod-01')).toBe(
      true,
    );
    expect(signals.some((s) => s.status === 'firing')).toBe(true);
  });
});
