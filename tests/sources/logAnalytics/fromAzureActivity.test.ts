import { describe, expect, it } from 'vitest';
import { fromAzureActivity } from '../../../src/sources/logAnalytics/fromAzureActivity.js';

const POOL_ID =
  '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-shop-weu/agentPools/userpool';
const STATUS_MESSAGE = JSON.stringify({
  status: 'Failed',
  error: {
    code: 'ResourceOperationFailure',
    message: "The resource operation completed with terminal provisioning state 'Failed'.",
    details: [
      {
        code: 'SubnetIsFull',
        message:
          'Subnet /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-shop/subnets/aks-nodes with address prefix 10.240.0.0/24 does not have enough capacity for 5 IP addresses.',
      },
    ],
  },
});

function row(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    TimeGenerated: '2026-11-20T09:42:11.532Z',
    EventDataId: 'A1B2C3D4-0000-4000-8000-000000000001',
    CorrelationId: '7f0c9b1e-5d7a-4a51-9c3e-2b8f1d6e4a90',
    OperationNameValue: 'MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AGENTPOOLS/WRITE',
    ActivityStatusValue: 'Failure',
    ActivitySubstatusValue: '',
    Level: 'Error',
    Caller: 'ops@contoso.com',
    ResourceGroup: 'RG-SHOP',
    SubscriptionId: '11111111-2222-3333-4444-555555555555',
    _ResourceId: POOL_ID.toLowerCase(),
    Properties_d: {
      statusCode: 'BadRequest',
      statusMessage: STATUS_MESSAGE,
      eventCategory: 'Administrative',
    },
    ...over,
  };
}

function signalOf(r: Record<string, unknown>) {
  const out = fromAzureActivity(r);
  if (!('signal' in out)) throw new Error(`expected a signal, got ${JSON.stringify(out)}`);
  return out.signal;
}

describe('fromAzureActivity', () => {
  it('reads codes from statusMessage, most specific first, with the messages as texts', () => {
    const s = signalOf(row());
    expect(s).toMatchObject({
      source: 'activity-log',
      kind: 'operation-failed',
      status: 'firing',
      sourceId: 'activity:a1b2c3d4-0000-4000-8000-000000000001',
      errorCodes: ['SubnetIsFull', 'ResourceOperationFailure'],
      nodePool: 'userpool',
      correlationId: '7f0c9b1e-5d7a-4a51-9c3e-2b8f1d6e4a90',
      cluster: { name: 'aks-shop-weu', resourceGroup: 'rg-shop' },
      title: 'AKS agent pool write failed on aks-shop-weu/userpool: SubnetIsFull',
    });
    expect(s.texts[0]).toMatch(/does not have enough capacity/);
    expect(s.attributes).toMatchObject({ statusCode: 'BadRequest', caller: 'ops@contoso.com' });
  });

  it('accepts Properties_d as a JSON string (exports) and the projected StatusMessage column', () => {
    const fromString = signalOf(row({ Properties_d: JSON.stringify({ statusMessage: STATUS_MESSAGE }) }));
    expect(fromString.errorCodes).toEqual(['SubnetIsFull', 'ResourceOperationFailure']);
    const projected = signalOf(
      row({ Properties_d: undefined, StatusMessage: STATUS_MESSAGE, StatusCode: 'Conflict' }),
    );
    expect(projected.errorCodes[0]).toBe('SubnetIsFull');
    expect(projected.attributes.statusCode).toBe('Conflict');
  });

  it('compares operation and status case-insensitively and skips what is not a failed AKS operation', () => {
    expect(
      signalOf(
        row({
          OperationNameValue: 'Microsoft.ContainerService/managedClusters/write',
          ActivityStatusValue: 'failed',
        }),
      ).title,
    ).toBe('AKS cluster write failed on aks-shop-weu/userpool: SubnetIsFull');
    expect(fromAzureActivity(row({ ActivityStatusValue: 'Succeeded' }))).toEqual({
      skip: 'operation status Succeeded is not a failure',
    });
    expect(fromAzureActivity(row({ ActivityStatusValue: 'Start' }))).toHaveProperty('skip');
    expect(
      fromAzureActivity(row({ OperationNameValue: 'MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE' })),
    ).toHaveProperty('skip');
  });

  it('hashes a stable id when EventDataId is absent', () => {
    const a = signalOf(row({ EventDataId: undefined }));
    const b = signalOf(row({ EventDataId: undefined, Caller: 'someone-else' }));
    expect(a.sourceId).toMatch(/^activity:[0-9a-f]{32}$/);
    expect(a.sourceId).toBe(b.sourceId);
  });

  it('keeps a failure without statusMessage, and names the field of a bad row', () => {
    const s = signalOf(row({ Properties_d: {} }));
    expect(s.errorCodes).toEqual([]);
    expect(s.attributes.note).toMatch(/no statusMessage/);
    expect(fromAzureActivity(row({ TimeGenerated: 'yesterday' }), 'row 7')).toEqual({
      error: { row: 'row 7', field: 'TimeGenerated', message: 'not a datetime: "yesterday"' },
    });
    // JSON cut short (Log Analytics clips long strings) is still a failed operation, read as text.
    const clipped = signalOf(row({ Properties_d: '{not json' }));
    expect(clipped.texts).toEqual(['{not json']);
    expect(clipped.attributes.note).toMatch(/Properties_d is not valid JSON/);
    expect(fromAzureActivity(row({ OperationNameValue: null }), 'row 9')).toMatchObject({
      error: { field: 'OperationNameValue' },
    });
  });
});
