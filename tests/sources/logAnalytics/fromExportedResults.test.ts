import { describe, expect, it } from 'vitest';
import { detectTable, fromExportedResults } from '../../../src/sources/logAnalytics/fromExportedResults.js';
import { sampleBody } from '../../support/fakeLogAnalytics.js';

const RID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-aks/providers/microsoft.containerservice/managedclusters/aks-prod-01';

const azRow = {
  TableName: 'PrimaryResult',
  TimeGenerated: '2026-11-20T10:00:00Z',
  OperationNameValue: 'Microsoft.ContainerService/managedClusters/agentPools/write',
  ActivityStatusValue: 'Failure',
  EventDataId: 'e-1',
  _ResourceId: `${RID}/agentpools/pool1`,
  Properties_d: JSON.stringify({
    statusCode: 'BadRequest',
    statusMessage: JSON.stringify({ status: 'Failed', error: { code: 'QuotaExceeded', message: 'quota' } }),
  }),
};
const eventRow = {
  TableName: 'PrimaryResult',
  TimeGenerated: '2026-11-20T10:01:00Z',
  ObjectKind: 'Node',
  Name: 'aks-pool1-12345678-vmss000001',
  Reason: 'NodeRebootError',
  KubeEventType: 'Warning',
  Message:
    'Node auto-repair reboot action failed due to an operation failure. Learn more: aka.ms/aks/node-auto-repair-errors',
  _ResourceId: RID,
};

describe('fromExportedResults', () => {
  it('reads an az CLI array mixing tables, detecting each row by its columns', () => {
    const noise = { ...azRow, EventDataId: 'e-2', ActivityStatusValue: 'Success' };
    const r = fromExportedResults(JSON.stringify([azRow, eventRow, noise]), {
      source: 'x.json',
      workspaceId: 'ws-1',
    });
    expect(r).toMatchObject({
      rows: 3,
      skipped: 1,
      rowErrors: [],
      tables: { AzureActivity: 2, KubeEvents: 1 },
    });
    expect(r.signals.map((s) => [s.kind, s.errorCodes[0] ?? '', s.workspaceId])).toEqual([
      ['operation-failed', 'QuotaExceeded', 'ws-1'],
      ['node-auto-repair', '', 'ws-1'],
    ]);
  });

  it('reads a query API response body (tables / columns / rows)', () => {
    const body = sampleBody('CONSTRUCTED-kubeevents-node-auto-repair-rows.json');
    const r = fromExportedResults(JSON.stringify(body));
    expect(r.rows).toBeGreaterThan(0);
    expect(r.signals).toHaveLength(r.rows);
    expect(r.tables).toEqual({ KubeEvents: r.rows });
  });

  it('reads JSON Lines and a UTF-8 BOM', () => {
    const r = fromExportedResults(`\uFEFF${JSON.stringify(azRow)}\n${JSON.stringify(eventRow)}\n`);
    expect(r.signals).toHaveLength(2);
  });

  it('reports bad rows by position and field and keeps the good ones', () => {
    const r = fromExportedResults(
      JSON.stringify([azRow, 42, { Foo: 'bar' }, { ...eventRow, TimeGenerated: 'nope', LastSeen: null }]),
      { source: 'f.json' },
    );
    expect(r.signals).toHaveLength(1);
    expect(r.rowErrors).toEqual([
      'f.json row 1: field (row): not an object',
      'f.json row 2: field (columns): columns match no supported table (KubeEvents, AzureActivity, AKSControlPlane, AzureDiagnostics)',
      'f.json row 3 (KubeEvents): field TimeGenerated: not a datetime: "nope"',
    ]);
  });

  it('says so when the text is not a query result at all', () => {
    expect(fromExportedResults('<html>', { source: 'page.html' }).error).toMatch(/^page\.html: not JSON/);
    expect(fromExportedResults('{"a":1,"b":2}').error).toMatch(/not a query result/);
  });

  it('detects tables by Type, SourceTable or their own columns', () => {
    expect(detectTable({ Type: 'AzureDiagnostics', Category: 'cluster-autoscaler' })).toBe(
      'AzureDiagnostics',
    );
    expect(detectTable({ SourceTable: 'AKSControlPlane', Message: 'x' })).toBe('AKSControlPlane');
    expect(detectTable({ log_s: 'x', Category: 'cluster-autoscaler' })).toBe('AzureDiagnostics');
    expect(detectTable({ Category: 'cluster-autoscaler', Message: 'x', PodName: 'p' })).toBe(
      'AKSControlPlane',
    );
    expect(detectTable({ operationname: 'x', activitystatus: 'Failed' })).toBe('AzureActivity');
    expect(detectTable({ Computer: 'x' })).toBeUndefined();
  });
});
