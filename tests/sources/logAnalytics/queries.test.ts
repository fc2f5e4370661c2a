import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { POLL_QUERY_NAMES, buildQuery, queryTemplate } from '../../../src/sources/logAnalytics/queries.js';
import { QUERY_COLUMNS } from '../../support/fakeLogAnalytics.js';

/** Table schemas from the Azure Monitor table reference (azure-reference-other, tables/includes). */
const SCHEMAS: Record<string, string> = {
  KubeEvents:
    '(TimeGenerated:datetime, ClusterId:string, ClusterName:string, Computer:string, Count:real, ' +
    'FirstSeen:datetime, KubeEventType:string, LastSeen:datetime, Message:string, Name:string, ' +
    'Namespace:string, ObjectKind:string, Reason:string, SourceComponent:string, SourceSystem:string, ' +
    'Type:string, _ResourceId:string, _SubscriptionId:string, _BilledSize:real, _IsBillable:string)',
  AzureActivity:
    '(ActivityStatus:string, ActivityStatusValue:string, ActivitySubstatus:string, ActivitySubstatusValue:string, ' +
    'Authorization:string, Authorization_d:dynamic, Caller:string, CallerIpAddress:string, Category:string, ' +
    'CategoryValue:string, Claims:string, Claims_d:dynamic, CorrelationId:string, EventDataId:string, ' +
    'EventSubmissionTimestamp:datetime, Hierarchy:string, HTTPRequest:string, Level:string, OperationId:string, ' +
    'OperationName:string, OperationNameValue:string, Properties:string, Properties_d:dynamic, Resource:string, ' +
    'ResourceGroup:string, ResourceId:string, _ResourceId:string, ResourceProvider:string, ' +
    'ResourceProviderValue:string, SourceSystem:string, SubscriptionId:string, _SubscriptionId:string, ' +
    'TenantId:string, TimeGenerated:datetime, Type:string)',
  AKSControlPlane:
    '(Category:string, Level:string, Message:string, PodName:string, _ResourceId:string, SourceSystem:string, ' +
    'Stream:string, _SubscriptionId:string, TenantId:string, TimeGenerated:datetime, Type:string)',
  AzureDiagnostics:
    '(Category:string, log_s:string, pod_s:string, stream_s:string, ResourceId:string, _ResourceId:string, ' +
    'ResourceProvider:string, ResourceType:string, SourceSystem:string, SubscriptionId:string, TenantId:string, ' +
    'TimeGenerated:datetime, Type:string)',
};

interface KustoList<T> {
  Count: number;
  getItem(i: number): T;
}
interface KustoLanguage {
  KustoCode: {
    ParseAndAnalyze(
      text: string,
      globals: unknown,
    ): {
      GetDiagnostics(): KustoList<{ Severity: string; Message: string }>;
      ResultType: { Columns?: KustoList<{ Name: string; Type: { Name: string } }> } | null;
    };
  };
  GlobalState: { Default: { WithDatabase(database: unknown): unknown } };
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: string | null) => unknown };
    DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
  };
}

function analyze(query: string) {
  const load = createRequire(import.meta.url);
  load('@kusto/language-service-next/bridge.js');
  load('@kusto/language-service-next');
  const k = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
  const tables = Object.entries(SCHEMAS).map(([n, s]) => new k.Symbols.TableSymbol.$ctor7(n, s, null));
  const globals = k.GlobalState.Default.WithDatabase(new k.Symbols.DatabaseSymbol.ctor('workspace', tables));
  const code = k.KustoCode.ParseAndAnalyze(query, globals);
  const list = code.GetDiagnostics();
  const diagnostics: string[] = [];
  for (let i = 0; i < list.Count; i++)
    diagnostics.push(`${list.getItem(i).Severity}: ${list.getItem(i).Message}`);
  const columns: { name: string; type: string }[] = [];
  const cols = code.ResultType?.Columns;
  if (cols)
    for (let i = 0; i < cols.Count; i++)
      columns.push({ name: cols.getItem(i).Name, type: cols.getItem(i).Type.Name });
  return { diagnostics, columns };
}

const START = new Date('2026-11-20T10:00:00.000Z');
const END = new Date('2026-11-20T10:05:00.000Z');

describe('poll queries', () => {
  for (const name of POLL_QUERY_NAMES) {
    it(`${name}: the .kql file as stored has no syntax or semantic errors`, () => {
      expect(analyze(queryTemplate(name)).diagnostics).toEqual([]);
    });

    it(`${name}: bound to a window, it has no errors and returns the columns the parsers and fake use`, () => {
      const q = buildQuery(name, START, END);
      expect(q).toContain(`let windowStart = datetime(2026-11-20T10:00:00.000Z);`);
      expect(q).toContain(`let windowEnd = datetime(2026-11-20T10:05:00.000Z);`);
      const { diagnostics, columns } = analyze(q);
      expect(diagnostics).toEqual([]);
      expect(columns).toEqual(QUERY_COLUMNS[name]);
    });

    it(`${name}: filters by ingestion time, half-open, and sorts by it (needed for paging)`, () => {
      const q = queryTemplate(name);
      expect(q).toMatch(/ingestion_time\(\) >= windowStart and ingestion_time\(\) < windowEnd/);
      expect(q.trimEnd()).toMatch(/\| order by IngestedAt asc$/);
    });
  }

  it('the language service does catch a misspelt column (the check above can fail)', () => {
    const q = buildQuery('nodeAutoRepair', START, END).replace(
      'ObjectKind == "Node"',
      'Objectkind == "Node"',
    );
    expect(analyze(q).diagnostics.join('\n')).toMatch(/Objectkind/);
  });

  it('node auto-repair: no Namespace filter (node events have none)', () => {
    expect(queryTemplate('nodeAutoRepair')).not.toMatch(/isempty\(Namespace\)|isnotempty\(Namespace\)/);
  });

  it('autoscaler: tolerates missing tables with a fuzzy union', () => {
    expect(queryTemplate('autoscaler')).toMatch(/union isfuzzy=true/);
  });
});
