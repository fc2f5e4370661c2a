import { describe, expect, it } from 'vitest';
import { tableOfRow, tablesFitting } from '../../../src/sources/logAnalytics/knownTables.js';
import { QUERY_COLUMNS } from '../../support/fakeLogAnalytics.js';

const names = (query: string): string[] => (QUERY_COLUMNS[query] ?? []).map((c) => c.name);

describe('tablesFitting', () => {
  it("fits the poll queries' own results to the tables they read", () => {
    expect(tablesFitting(names('nodeAutoRepair'))).toEqual(['KubeEvents']);
    expect(tablesFitting(names('failedOperations'))).toEqual(['AzureActivity']);
    expect(tablesFitting(names('autoscaler'))).toEqual(['KubeEvents', 'AKSControlPlane', 'AzureDiagnostics']);
  });

  it('fits projections that keep what the parser needs, whatever the case and the other columns', () => {
    expect(
      tablesFitting(['timegenerated', 'REASON', 'objectkind', 'name', 'message', 'Computer', 'Extra']),
    ).toEqual(['KubeEvents']);
    // The auto-repair alert rule infra/ deploys: no ObjectKind, the node as Node.
    expect(
      tablesFitting(['TimeGenerated', '_ResourceId', 'Node', 'Reason', 'Message', 'KubeEventType', 'Count']),
    ).toEqual(['KubeEvents']);
    expect(
      tablesFitting(['OperationName', 'ActivityStatus', 'EventSubmissionTimestamp', 'Properties', 'Caller']),
    ).toEqual(['AzureActivity']);
    expect(tablesFitting(['TimeGenerated', 'Category', 'log_s', 'pod_s', 'ResourceId'])).toEqual([
      'AzureDiagnostics',
    ]);
  });

  it('fits nothing to columns that lack what identifies the failure', () => {
    expect(tablesFitting(['Name', 'Reason', 'TimeGenerated', 'Events', 'Message'])).toEqual([]);
    expect(tablesFitting(['OperationNameValue', 'ActivityStatusValue', 'TimeGenerated'])).toEqual([]);
    expect(tablesFitting(['TimeGenerated', 'Computer', 'Message'])).toEqual([]);
  });
});

describe('tableOfRow', () => {
  const fitting = tablesFitting(names('autoscaler'));

  it('reads a row as the table it names, or as the first fitting table when it names none', () => {
    expect(tableOfRow({ SourceTable: 'AzureDiagnostics' }, fitting)).toBe('AzureDiagnostics');
    expect(tableOfRow({ Type: 'kubeevents' }, fitting)).toBe('KubeEvents');
    expect(tableOfRow({ Message: 'x' }, fitting)).toBe('KubeEvents');
  });

  it('reads no row that names another table, or a known one its columns do not fit', () => {
    expect(tableOfRow({ Type: 'Heartbeat' }, fitting)).toBeUndefined();
    expect(tableOfRow({ Type: 'AzureActivity' }, fitting)).toBeUndefined();
  });
});
