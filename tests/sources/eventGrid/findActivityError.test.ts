import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FailureSignal } from '../../../src/model.js';
import { findActivityError, TransientFillInError } from '../../../src/sources/eventGrid/findActivityError.js';
import { fromEventGrid } from '../../../src/sources/eventGrid/fromEventGrid.js';
import { FakeLogAnalytics, sampleBody } from '../../support/fakeLogAnalytics.js';

const WS = '0d7f3a1c-2b4e-4c6d-9e8f-1a2b3c4d5e6f';
const OTHER_WS = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const CLUSTER =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-prod';

function signal(name: string): FailureSignal {
  const [s] = fromEventGrid(sampleBody(name)).signals;
  if (!s) throw new Error(`${name} gives no signal`);
  return s;
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

const options = (workspaceIds: string[]) => ({
  client: fake.client({ retryOptions: { maxRetries: 0 } }),
  workspaceIds,
  queryOptions: { maxAttempts: 1 },
});

describe('findActivityError through the real LogsQueryClient', () => {
  it('returns the codes and messages of the failed operation, asking the next workspace after a denied one', async () => {
    fake.script(OTHER_WS, {
      status: 403,
      body: sampleBody('log-analytics-error-403-insufficient-access.json'),
    });
    fake
      .workspace(WS)
      .result('failedOperations')
      .add({
        ingestedAt: new Date('2026-08-20T10:16:00Z'),
        row: {
          TimeGenerated: '2026-08-20T10:14:50Z',
          EventDataId: 'ev-1',
          CorrelationId: '44444444-4444-4444-4444-444444444444',
          OperationNameValue: 'MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AGENTPOOLS/WRITE',
          ActivityStatusValue: 'Failure',
          StatusCode: 'BadRequest',
          _ResourceId: `${CLUSTER}/agentPools/userpool1`.toLowerCase(),
          StatusMessage: JSON.stringify({
            error: { code: 'InvalidParameter', message: 'The value of parameter vmSize is invalid.' },
          }),
        },
      });
    const r = await findActivityError(
      signal('CONSTRUCTED-eventgrid-resource-write-failure-aks-agentpool.json'),
      options([OTHER_WS, WS]),
    );
    expect(r).toEqual({
      found: true,
      codes: ['InvalidParameter'],
      texts: ['The value of parameter vmSize is invalid.'],
      correlationId: '44444444-4444-4444-4444-444444444444',
      operation: 'MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AGENTPOOLS/WRITE',
      statusCode: 'BadRequest',
    });
    expect(fake.requests.map((q) => q.workspaceId)).toEqual([OTHER_WS, WS]);
  });

  it('names the workspaces it could not read when nothing is found', async () => {
    fake.script('*', { status: 403, body: sampleBody('log-analytics-error-403-insufficient-access.json') });
    const r = await findActivityError(signal('eventgrid-aks-nodepool-rolling-failed.json'), options([WS]));
    expect(r.found).toBe(false);
    expect(r.found ? [] : r.problems).toEqual([expect.stringMatching(new RegExp(`^workspace ${WS}: `))]);
  });

  it('throws a transient error when Log Analytics throttles', async () => {
    fake.workspace(WS);
    fake.script(WS, { status: 429, body: { error: { code: 'TooManyRequests', message: 'slow down' } } });
    await expect(
      findActivityError(signal('eventgrid-aks-nodepool-rolling-failed.json'), options([WS])),
    ).rejects.toBeInstanceOf(TransientFillInError);
  });
});
