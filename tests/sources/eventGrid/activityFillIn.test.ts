import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FailureSignal } from '../../../src/model.js';
import {
  activityQuery,
  createActivityFillIn,
  TransientFillInError,
} from '../../../src/sources/eventGrid/activityFillIn.js';
import { fromEventGrid } from '../../../src/sources/eventGrid/fromEventGrid.js';
import { kqlDiagnostics } from '../../infra/kql.js';
import { FakeLogAnalytics, sampleBody } from '../../support/fakeLogAnalytics.js';

const WS = '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7c';
const CLUSTER =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-prod';
const AZURE_ACTIVITY =
  '(TimeGenerated:datetime, CorrelationId:string, OperationNameValue:string, ActivityStatusValue:string, ' +
  '_ResourceId:string, Properties_d:dynamic)';

const SUBNET_FULL = JSON.stringify({
  status: 'Failed',
  error: {
    code: 'ResourceDeploymentFailure',
    message: 'The resource operation completed with terminal provisioning state Failed.',
    details: [
      { code: 'SubnetIsFull', message: 'Subnet aks-subnet with address prefix 10.0.0.0/24 is full.' },
    ],
  },
});

function signals(name: string): FailureSignal[] {
  return fromEventGrid(sampleBody(name)).signals;
}

function activityRow(at: string, fields: Record<string, unknown>) {
  return {
    ingestedAt: new Date(Date.parse(at) + 120_000),
    row: {
      TimeGenerated: at,
      EventDataId: `ev-${at}`,
      OperationNameValue: 'MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AGENTPOOLS/WRITE',
      ActivityStatusValue: 'Failure',
      StatusCode: 'Conflict',
      ...fields,
    },
  };
}

let fake: FakeLogAnalytics;
beforeAll(async () => {
  fake = await FakeLogAnalytics.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.workspaces.clear();
  fake.requests.length = 0;
});

const fillIn = (workspaceIds = [WS]) =>
  createActivityFillIn({
    client: fake.client({ retryOptions: { maxRetries: 0 } }),
    workspaceIds,
    queryOptions: { maxAttempts: 1 },
  });

describe('activity log fill-in', () => {
  it('adds the codes and messages of the failed operation found by correlation id', async () => {
    fake
      .workspace(WS)
      .result('failedOperations')
      .add(
        activityRow('2026-08-20T10:14:50Z', {
          CorrelationId: '44444444-4444-4444-4444-444444444444',
          _ResourceId: `${CLUSTER}/agentPools/userpool1`.toLowerCase(),
          StatusMessage: SUBNET_FULL,
        }),
        activityRow('2026-08-20T10:14:55Z', {
          CorrelationId: 'some-other-operation',
          StatusMessage: JSON.stringify({ error: { code: 'QuotaExceeded', message: 'other' } }),
        }),
      );
    const [s] = await fillIn()(signals('CONSTRUCTED-eventgrid-resource-write-failure-aks-agentpool.json'));
    expect(s?.errorCodes).toEqual(['SubnetIsFull', 'ResourceDeploymentFailure']);
    expect(s?.texts).toContain('Subnet aks-subnet with address prefix 10.0.0.0/24 is full.');
    expect(s?.attributes.operationStatusCode).toBe('Conflict');
    const [req] = fake.requests;
    expect(req?.query).toContain("| where CorrelationId =~ '44444444-4444-4444-4444-444444444444'");
    expect(req?.window).toEqual({ start: '2026-08-20T07:15:04.611Z', end: '2026-08-20T10:30:04.611Z' });
  });

  it('finds the failed pool write around the time of a rolling failure, newest first', async () => {
    fake
      .workspace(WS)
      .result('failedOperations')
      .add(
        activityRow('2026-08-20T10:05:00Z', {
          CorrelationId: 'c-old',
          _ResourceId: `${CLUSTER}/agentPools/userpool1`.toLowerCase(),
          StatusMessage: JSON.stringify({
            error: { code: 'OperationNotAllowed', message: 'earlier attempt' },
          }),
        }),
        activityRow('2026-08-20T10:13:30Z', {
          CorrelationId: 'c-new',
          _ResourceId: `${CLUSTER}/agentPools/userpool1`.toLowerCase(),
          StatusMessage: SUBNET_FULL,
        }),
        activityRow('2026-08-20T10:13:40Z', {
          CorrelationId: 'c-other-pool',
          _ResourceId: `${CLUSTER}/agentPools/systempool`.toLowerCase(),
          StatusMessage: JSON.stringify({ error: { code: 'QuotaExceeded', message: 'other pool' } }),
        }),
      );
    const batch = signals('CONSTRUCTED-eventgrid-webhook-delivery-aks-batch.json');
    const out = await fillIn()(batch);
    expect(out[0]).toBe(batch[0]); // the Started event is not a failure: untouched, not queried
    expect(out[1]?.errorCodes).toEqual(['SubnetIsFull', 'ResourceDeploymentFailure']);
    expect(out[1]?.correlationId).toBe('c-new');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.query).toContain(
      `| where _ResourceId in~ ('${CLUSTER}', '${CLUSTER}/agentPools/userpool1')`,
    );
  });

  it('leaves the signal as it was when the activity log holds nothing yet', async () => {
    fake.workspace(WS).result('failedOperations');
    const batch = signals('eventgrid-aks-nodepool-rolling-failed.json');
    const out = await fillIn()(batch);
    expect(out).toEqual(batch);
  });

  it('throws a transient error while Log Analytics is unavailable, so the delivery is retried', async () => {
    fake.workspace(WS);
    fake.script(WS, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } });
    await expect(fillIn()(signals('eventgrid-aks-nodepool-rolling-failed.json'))).rejects.toBeInstanceOf(
      TransientFillInError,
    );
  });

  it('notes a workspace it may not read and goes on without its rows', async () => {
    fake.script('*', { status: 403, body: sampleBody('log-analytics-error-403-insufficient-access.json') });
    const [s] = await fillIn(['no-access'])(signals('eventgrid-aks-nodepool-rolling-failed.json'));
    expect(s?.errorCodes).toEqual([]);
    expect(s?.attributes.activityLogNote).toMatch(/^not read: workspace no-access: /);
  });

  it('quotes hostile values so they cannot change the query', () => {
    const [s] = signals('CONSTRUCTED-eventgrid-resource-write-failure-aks-agentpool.json');
    if (!s) throw new Error('no signal');
    const hostile = { ...s, correlationId: "x' or 1==1 | take 100000 //\n" };
    const q = activityQuery(hostile, new Date(0), new Date(1));
    expect(q).toContain("CorrelationId =~ 'x\\' or 1==1 | take 100000 //\\n'");
    expect(kqlDiagnostics(q, { AzureActivity: AZURE_ACTIVITY })).toEqual([]);
  });

  it('builds queries that parse and use only AzureActivity columns', () => {
    const [byCorrelation] = signals('CONSTRUCTED-eventgrid-resource-write-failure-aks-agentpool.json');
    const [byResource] = signals('eventgrid-aks-nodepool-rolling-failed.json');
    for (const s of [byCorrelation, byResource]) {
      if (!s) throw new Error('no signal');
      expect(
        kqlDiagnostics(activityQuery(s, new Date(0), new Date(1)), { AzureActivity: AZURE_ACTIVITY }),
      ).toEqual([]);
    }
  });
});
