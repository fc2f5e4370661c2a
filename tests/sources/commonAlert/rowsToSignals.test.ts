import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAsset } from '../../../src/assets.js';
import { catalogLookup } from '../../../src/catalog/catalogLookup.js';
import { enrichFailure } from '../../../src/enrich/enrichFailure.js';
import type { EnrichedFailure, FailureSignal } from '../../../src/model.js';
import { createLogAnalyticsRowFetcher } from '../../../src/sources/commonAlert/logAnalyticsRowFetcher.js';
import type { CommonAlert } from '../../../src/sources/commonAlert/parseCommonAlert.js';
import type { CommonAlertSignals } from '../../../src/sources/commonAlert/signalsFromCommonAlert.js';
import { signalsFromCommonAlert } from '../../../src/sources/commonAlert/signalsFromCommonAlert.js';
import { kqlString } from '../../../src/azure/kql.js';
import { pollSlice } from '../../../src/sources/logAnalytics/poll.js';
import type { PollQueryName } from '../../../src/sources/logAnalytics/queries.js';
import { rowParser } from '../../../src/sources/logAnalytics/queries.js';
import { createArmAlertRules } from '../../../src/sources/commonAlert/armAlertRules.js';
import { KUBE_RULE_ID, KUBE_WORKSPACE, kubeRuleProperties } from '../../support/alertRules.js';
import { alertFixture, alertOf, setAt } from '../../support/commonAlertFixtures.js';
import { FakeArm } from '../../support/fakeArm.js';
import type { FakeColumn } from '../../support/fakeLogAnalytics.js';
import { FakeLogAnalytics } from '../../support/fakeLogAnalytics.js';

/** The workspace the fixture's query links name. */
const WS = 'b7f3c9a2-1e4d-4c8b-a6f0-2d9e8c7b5a31';
const CLUSTER =
  '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/resourcegroups/rg-aks-prod/providers/microsoft.containerservice/managedclusters/aks-prod-weu';
const KUBE = 'commonAlert/log-search-kubeevents-auto-repair.json';
const WINDOW = { start: '2026-03-04T08:00:00Z', end: '2026-03-04T08:15:00Z' };

const COLUMN_TYPES: Record<string, string> = {
  TimeGenerated: 'datetime',
  FirstSeen: 'datetime',
  LastSeen: 'datetime',
  Count: 'real',
  Properties_d: 'dynamic',
  Events: 'real',
  Failures: 'long',
};
const column = (name: string): FakeColumn => ({ name, type: COLUMN_TYPES[name] ?? 'string' });

/** The columns a query's `| project` yields, each with the table column it is read from. */
function projectionOf(query: string): { name: string; from: string }[] {
  const list = /^\| project (.+)$/m.exec(query)?.[1] ?? '';
  return list.split(',').map((p) => {
    const [name = '', from = name] = p.split('=').map((x) => x.trim());
    return { name, from };
  });
}

const project = (row: Record<string, unknown>, projection: { name: string; from: string }[]) =>
  Object.fromEntries(projection.map(({ name, from }) => [name, row[from]]));

function repairEvent(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    TimeGenerated: '2026-03-04T08:06:12Z',
    _ResourceId: CLUSTER,
    ClusterId: CLUSTER,
    ClusterName: 'aks-prod-weu',
    // The node whose agent collected the event, not the node being repaired.
    Computer: 'aks-system-41872634-vmss000000',
    Name: 'aks-userpool-27401163-vmss000003',
    Namespace: '',
    ObjectKind: 'Node',
    Reason: 'NodeRebootError',
    Message:
      'Node auto-repair reboot action failed due to an operation failure. See error details here: TooManyVMRedeploymentRequests',
    KubeEventType: 'Warning',
    Count: 1,
    FirstSeen: '2026-03-04T08:05:58Z',
    LastSeen: '2026-03-04T08:05:58Z',
    SourceComponent: 'aks-auto-repair',
    ...over,
  };
}

/** The fixture's query and the columns it projects. */
const KUBE_QUERY = String(
  (alertFixture(KUBE) as { data: { alertContext: { condition: { allOf: { searchQuery: string }[] } } } }).data
    .alertContext.condition.allOf[0]?.searchQuery,
);
const KUBE_PROJECTION = projectionOf(KUBE_QUERY);
const KUBE_COLUMNS = KUBE_PROJECTION.map(({ name }) => column(name));

/** A failed cluster write as AzureActivity holds it (real Properties_d), moved into the alert window. */
const REAL_ACTIVITY = JSON.parse(
  readAsset('tests/fixtures/realWorld/azureActivity/statusmessage-variants.json'),
) as { rows: Record<string, unknown>[] };
const failedWrite: Record<string, unknown> = {
  ...REAL_ACTIVITY.rows[0],
  TimeGenerated: '2026-03-04T08:04:31Z',
  Type: 'AzureActivity',
};

/** The fixture alert fired by a rule with another query (as its payload also says). */
function alertWithQuery(rule: string, query: string): CommonAlert {
  return alertOf(KUBE, (b) => {
    setAt(b, 'data.essentials.alertRule', rule);
    setAt(b, 'data.alertContext.condition.allOf.0.searchQuery', query);
  });
}

let fake: FakeLogAnalytics;
let arm: FakeArm;
beforeAll(async () => {
  [fake, arm] = await Promise.all([FakeLogAnalytics.start(), FakeArm.start()]);
  arm.setWorkspace(KUBE_WORKSPACE.resourceId, KUBE_WORKSPACE.customerId);
});
afterAll(() => Promise.all([fake.close(), arm.close()]));

/** The alert's signals, its query answered by the fake with these rows through the real client. */
async function alertSignals(
  alert: CommonAlert,
  columns: readonly FakeColumn[],
  rows: readonly Record<string, unknown>[],
): Promise<CommonAlertSignals> {
  // On the wire a dynamic cell is JSON text; the client parses it.
  const cellOf = (c: FakeColumn, v: unknown) =>
    c.type === 'dynamic' && v !== null && typeof v === 'object' ? JSON.stringify(v) : (v ?? null);
  fake.script(WS, {
    status: 200,
    body: {
      tables: [
        { name: 'PrimaryResult', columns, rows: rows.map((r) => columns.map((c) => cellOf(c, r[c.name]))) },
      ],
    },
  });
  // The rule in Resource Manager holds the query the alert says it ran; the alert names the rule.
  const query = alert.type === 'log-search' ? (alert.context.condition.allOf[0]?.searchQuery ?? '') : '';
  arm.setRule(KUBE_RULE_ID, kubeRuleProperties({ query }));
  const named = { ...alert, essentials: { ...alert.essentials, alertRuleID: KUBE_RULE_ID } };
  return signalsFromCommonAlert(named, {
    rows: createLogAnalyticsRowFetcher(fake.client()),
    rules: createArmAlertRules({
      credential: arm.azureAccess().credential,
      endpoint: arm.endpoint,
      clientOptions: arm.clientOptions(),
    }),
    maxRows: 50,
    kqlString,
    receivedAt: '2026-03-04T08:15:43.000Z',
  });
}

let pollSeq = 0;

/** What the poll path makes of the same row: the poll query run by the real client over the window. */
async function pollSignal(queryName: PollQueryName, row: Record<string, unknown>): Promise<FailureSignal> {
  const workspaceId = `00000000-0000-4000-8000-${String(++pollSeq).padStart(12, '0')}`;
  fake.workspace(workspaceId).result(queryName).add({ ingestedAt: '2026-03-04T08:07:30Z', row });
  const slice = await pollSlice(fake.client(), { workspaceId, queryName, ...WINDOW });
  expect(slice.rowErrors).toEqual([]);
  expect(slice.signals).toHaveLength(1);
  return slice.signals[0] as FailureSignal;
}

/** What makes two signals the same failure once enriched: its identity and what it says. */
function failureOf(signal: FailureSignal): Partial<EnrichedFailure> & { matchCodes: string[] } {
  const f = enrichFailure(signal, catalogLookup);
  return {
    fingerprint: f.fingerprint,
    kind: f.kind,
    status: f.status,
    reason: f.reason,
    occurredAt: f.occurredAt,
    cluster: f.cluster,
    resourceId: f.resourceId,
    nodePool: f.nodePool,
    node: f.node,
    title: f.title,
    texts: f.texts,
    errorCodes: f.errorCodes,
    correlationId: f.correlationId,
    category: f.category,
    matchCodes: f.matches.map((m) => m.code),
  };
}

describe('rowsToSignals: rows of a known table are read as the poll path reads them', () => {
  it("gives the fixture's auto-repair row the poll path's fingerprint, kind, node and pool", async () => {
    const event = repairEvent();
    const { signals, notes } = await alertSignals(alertOf(KUBE), KUBE_COLUMNS, [
      project(event, KUBE_PROJECTION),
    ]);
    const polled = await pollSignal('nodeAutoRepair', event);
    expect(polled).toMatchObject({ kind: 'node-auto-repair', node: event.Name });
    expect(notes).toEqual([]);
    expect(signals).toHaveLength(1);
    const [signal] = signals as [FailureSignal];
    expect(failureOf(signal)).toEqual(failureOf(polled));
    // Still the alert's delivery: its rule, id, severity and query stay with the row.
    expect(signal).toMatchObject({ source: 'common-alert', severityHint: 'warning', workspaceId: WS });
    expect(signal.attributes).toMatchObject({
      alertRule: 'aks-node-auto-repair',
      alertId: expect.stringMatching(/alerts\/4d2b8e61-/) as unknown,
      objectKind: 'Node',
    });
    expect(signal.logQuery?.query).toContain(KUBE_QUERY);
  });

  it('reads the rows of the auto-repair alert rule infra/ deploys as the poll path does', async () => {
    // Its projection is read from the rule's query, so the test follows the rule.
    const query = readAsset('infra/monitor/queries/node-auto-repair-errors.kql');
    const projection = projectionOf(query);
    expect(projection.length).toBeGreaterThan(1);
    const event = repairEvent();
    const { signals, notes } = await alertSignals(
      alertWithQuery('aks-node-auto-repair', query),
      projection.map(({ name }) => column(name)),
      [project(event, projection)],
    );
    const polled = await pollSignal('nodeAutoRepair', event);
    expect(notes).toEqual([]);
    expect(signals).toHaveLength(1);
    const { occurredAt: _polledAt, ...same } = failureOf(polled);
    // The rule projects no LastSeen, so the row's time is when it was collected.
    expect(failureOf(signals[0] as FailureSignal)).toEqual({
      ...same,
      occurredAt: new Date(event.TimeGenerated as string).toISOString(),
    });
  });

  it("gives a failed operation from AzureActivity the poll path's fingerprint and codes", async () => {
    const alert = alertWithQuery(
      'aks-failed-operations',
      'AzureActivity\n| where OperationNameValue startswith "MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS"\n| where ActivityStatusValue == "Failure"',
    );
    const { signals, notes } = await alertSignals(alert, Object.keys(failedWrite).map(column), [failedWrite]);
    // The poll query projects the statusMessage out of Properties_d.
    const props = failedWrite.Properties_d as Record<string, unknown>;
    const polled = await pollSignal('failedOperations', {
      ...failedWrite,
      StatusMessage: props.statusMessage,
    });
    expect(polled.kind).toBe('operation-failed');
    expect(polled.errorCodes.length).toBeGreaterThan(0);
    expect(notes).toEqual([]);
    expect(signals).toHaveLength(1);
    const [signal] = signals as [FailureSignal];
    expect(failureOf(signal)).toEqual(failureOf(polled));
    expect(signal.attributes.alertRule).toBe('aks-failed-operations');
  });

  it('reads rows whose columns lack what the parsers need (summaries, custom queries) generically', async () => {
    const summary = await alertSignals(
      alertWithQuery(
        'aks-repair-summary',
        'KubeEvents\n| where Reason == "NodeRebootError"\n| summarize Events = sum(Count), Message = take_any(Message) by Name, Reason, bin(TimeGenerated, 5m)',
      ),
      ['Name', 'Reason', 'TimeGenerated', 'Events', 'Message'].map(column),
      [{ ...repairEvent(), Events: 3 }],
    );
    const counts = await alertSignals(
      alertWithQuery(
        'aks-failed-operation-count',
        'AzureActivity\n| where ActivityStatusValue == "Failure"\n| summarize Failures = count() by OperationNameValue, ActivityStatusValue, _ResourceId, bin(TimeGenerated, 1h)',
      ),
      ['OperationNameValue', 'ActivityStatusValue', '_ResourceId', 'TimeGenerated', 'Failures'].map(column),
      [{ ...failedWrite, Failures: 2 }],
    );
    for (const [out, rule, count] of [
      [summary, 'aks-repair-summary', ['row.Events', '3']],
      [counts, 'aks-failed-operation-count', ['row.Failures', '2']],
    ] as const) {
      expect(out.notes).toEqual([]);
      expect(out.signals).toHaveLength(1);
      expect(out.signals[0]).toMatchObject({ source: 'common-alert', kind: 'alert', reason: rule });
      expect(out.signals[0]?.attributes[count[0]]).toBe(count[1]);
    }
  });

  it('reads a row its parser cannot read generically, names it, and keeps the good rows beside it', async () => {
    const first = repairEvent();
    const broken = repairEvent({
      Name: 'aks-userpool-27401163-vmss000004',
      Reason: null,
      SourceComponent: null,
    });
    const last = repairEvent({
      Name: 'aks-userpool-27401163-vmss000005',
      Reason: 'NodeReimageError',
      Message:
        'Node auto-repair reimage action failed due to an operation failure. Learn more: aka.ms/aks/node-auto-repair-errors',
    });
    const { signals, notes } = await alertSignals(
      alertOf(KUBE),
      KUBE_COLUMNS,
      [first, broken, last].map((r) => project(r, KUBE_PROJECTION)),
    );
    expect(signals).toHaveLength(3);
    const parse = rowParser('nodeAutoRepair');
    for (const [i, row] of [
      [0, first],
      [2, last],
    ] as const) {
      const polled = parse(row, `row ${String(i)}`);
      if (!('signal' in polled)) throw new Error(JSON.stringify(polled));
      expect(failureOf(signals[i] as FailureSignal)).toEqual(failureOf(polled.signal));
    }
    const error = 'row 1 (KubeEvents): field Reason: missing';
    expect(signals[1]).toMatchObject({ kind: 'alert', reason: 'aks-node-auto-repair' });
    expect(signals[1]?.attributes.rowError).toBe(error);
    expect(notes).toEqual([
      `1 row(s) of a known table could not be parsed and were read generically: ${error}`,
    ]);
  });
});
