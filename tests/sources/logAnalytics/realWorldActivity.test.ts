import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FailureSignal } from '../../../src/model.js';
import { fromAzureActivity } from '../../../src/sources/logAnalytics/fromAzureActivity.js';
import type { LogRow } from '../../../src/sources/logAnalytics/rowCells.js';

const FILE = join(
  import.meta.dirname,
  '..',
  '..',
  'fixtures',
  'realWorld',
  'azureActivity',
  'statusmessage-variants.json',
);
const rows = (JSON.parse(readFileSync(FILE, 'utf8')) as { rows: LogRow[] }).rows;

function signalOf(row: LogRow): FailureSignal {
  const r = fromAzureActivity(row);
  if (!('signal' in r)) throw new Error(JSON.stringify(r));
  return r.signal;
}

const base: LogRow = {
  TimeGenerated: '2024-05-02T10:11:12Z',
  OperationNameValue: 'Microsoft.ContainerService/managedClusters/agentPools/write',
  ActivityStatusValue: 'Failed',
  _ResourceId:
    '/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg-prod/providers/microsoft.containerservice/managedclusters/aks-prod/agentpools/userpool1',
  EventDataId: 'bbbbbbbb-0000-0000-0000-000000000001',
};

describe('fromAzureActivity: real-world Properties shapes', () => {
  it('reads the statusMessage of a failed cluster write (status wrapper, nested details)', () => {
    const s = signalOf(rows[0] as LogRow);
    expect(s).toMatchObject({
      kind: 'operation-failed',
      errorCodes: ['OperationFailed', 'ResourceOperationFailure'],
      cluster: { name: 'aks-prod' },
    });
    expect(s.texts[0]).toBe("Operation returned an invalid status code 'Unauthorized'");
  });

  it('reads a Properties string whose statusMessage has no status wrapper', () => {
    const s = signalOf(rows[1] as LogRow);
    expect(s).toMatchObject({ errorCodes: ['ServerTimeout'], nodePool: 'userpool1' });
    expect(s.attributes.statusCode).toBe('ServiceUnavailable');
  });

  it('reads the error of a refused request from responseBody when there is no statusMessage', () => {
    const s = signalOf({
      ...base,
      Properties_d: {
        statusCode: 'BadRequest',
        responseBody: JSON.stringify({
          error: { code: 'InvalidParameter', message: 'The VM size is not allowed.' },
        }),
      },
    });
    expect(s.errorCodes).toEqual(['InvalidParameter']);
    expect(s.texts).toEqual(['The VM size is not allowed.']);
    expect(s.attributes.note).toBeUndefined();
  });

  it('keeps a failure whose Properties JSON is cut short, with the codes it still names', () => {
    const full = JSON.stringify({
      statusCode: 'Conflict',
      statusMessage: JSON.stringify({
        status: 'Failed',
        error: {
          code: 'ResourceDeploymentFailure',
          message: 'failed',
          details: [{ code: 'SubnetIsFull', message: 'x'.repeat(200) }],
        },
      }),
    });
    const s = signalOf({ ...base, Properties: full.slice(0, 220) });
    expect(s.errorCodes).toEqual(['SubnetIsFull', 'ResourceDeploymentFailure']);
    expect(s.attributes.note).toMatch(/Properties is not valid JSON/);
  });
});
