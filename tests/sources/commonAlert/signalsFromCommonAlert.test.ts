import { describe, expect, it } from 'vitest';
import { enrichFailure } from '../../../src/enrich/enrichFailure.js';
import type { FailureSignal } from '../../../src/model.js';
import type { AlertRowTable } from '../../../src/sources/commonAlert/fromAlertRows.js';
import type { LogSearchPlan } from '../../../src/sources/commonAlert/logSearchPlan.js';
import {
  signalsFromCommonAlert,
  signalsFromCommonAlertText,
} from '../../../src/sources/commonAlert/signalsFromCommonAlert.js';
import type {
  AlertRowFetcher,
  CommonAlertSignalDeps,
  FiredAlertMemory,
  RowFetch,
} from '../../../src/sources/commonAlert/signalsFromCommonAlert.js';
import {
  fixtureRules,
  KUBE_ALERT,
  KUBE_RULE_ID,
  KUBE_WORKSPACE,
  namingRule,
  RESOURCE_ALERT,
  RULE_GROUP,
  ruleProperties,
  VM_ID,
  VM_RULE_ID,
} from '../../support/alertRules.js';
import { alertFixtureText, alertOf, setAt } from '../../support/commonAlertFixtures.js';

const kqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Answers each plan with the given tables, honouring the row limit the way a `take` would. */
class TableFetcher implements AlertRowFetcher {
  readonly plans: { plan: LogSearchPlan; maxRows: number }[] = [];
  constructor(private readonly answer: (plan: LogSearchPlan) => RowFetch) {}
  fetch(plan: LogSearchPlan, maxRows: number): Promise<RowFetch> {
    this.plans.push({ plan, maxRows });
    return Promise.resolve(this.answer(plan));
  }
}

class MapMemory implements FiredAlertMemory {
  readonly map = new Map<string, FailureSignal[]>();
  remember(alertId: string, signals: readonly FailureSignal[]): Promise<void> {
    this.map.set(alertId, [...signals]);
    return Promise.resolve();
  }
  recall(alertId: string): Promise<FailureSignal[] | undefined> {
    return Promise.resolve(this.map.get(alertId));
  }
}

const CLUSTER =
  '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/resourcegroups/rg-aks-prod/providers/microsoft.containerservice/managedclusters/aks-prod-weu';

/** Rows of an unknown shape: a summarised count per node. */
function countTable(n: number): AlertRowTable {
  return {
    columns: [
      { name: 'Computer', type: 'string' },
      { name: '_ResourceId', type: 'string' },
      { name: 'Failures', type: 'long' },
      { name: 'LastMessage', type: 'string' },
      { name: 'TimeGenerated', type: 'datetime' },
    ],
    rows: Array.from({ length: n }, (_, i) => [
      `aks-userpool-27401163-vmss00000${i}`,
      CLUSTER,
      i + 1,
      `kubelet stopped posting node status on node ${i}`,
      new Date(Date.UTC(2026, 2, 4, 8, i)),
    ]),
  };
}

const deps = (over: Partial<CommonAlertSignalDeps> = {}): CommonAlertSignalDeps => ({
  maxRows: 50,
  kqlString,
  receivedAt: '2026-03-04T08:15:43.000Z',
  rules: fixtureRules(),
  ...over,
});

const KUBE = KUBE_ALERT;
/** The KubeEvents fixture naming its rule, as alerts of today's rules do. */
const kube = (edit?: (b: unknown) => void) =>
  alertOf(KUBE, (b) => {
    namingRule(KUBE_RULE_ID)(b);
    edit?.(b);
  });

describe('signalsFromCommonAlert: log search alerts fetch their rows', () => {
  it("runs the rule's own query from Resource Manager over the rule's workspace, narrowed to the alert, over its window", async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(2)], capped: false }));
    const out = await signalsFromCommonAlert(kube(), deps({ rows }));
    expect(rows.plans).toHaveLength(1);
    const { plan, maxRows } = rows.plans[0] ?? { plan: undefined, maxRows: 0 };
    expect(maxRows).toBe(50);
    expect(plan?.target).toEqual({
      workspaceId: KUBE_WORKSPACE.customerId,
      workspaceResourceId: KUBE_WORKSPACE.resourceId,
    });
    expect(plan?.rule).toBe(KUBE_RULE_ID);
    expect(plan?.query).toMatch(/^KubeEvents\n\| where Reason in /);
    expect(plan?.query).toContain(`\n| where tostring(['_ResourceId']) == '${CLUSTER}'`);
    expect(plan?.window.start.toISOString()).toBe('2026-03-04T08:00:00.000Z');
    expect(plan?.window.end.toISOString()).toBe('2026-03-04T08:15:00.000Z');
    expect(out.notes).toEqual([]);
  });

  it('turns each row of an unknown shape into a signal: text columns as texts, the rest as attributes', async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(3)], capped: false }));
    const { signals } = await signalsFromCommonAlert(kube(), deps({ rows }));
    expect(signals).toHaveLength(3);
    const [first] = signals;
    expect(first).toMatchObject({
      source: 'common-alert',
      kind: 'alert',
      status: 'firing',
      node: 'aks-userpool-27401163-vmss000000',
      texts: ['kubelet stopped posting node status on node 0'],
      occurredAt: '2026-03-04T08:00:00.000Z',
      workspaceId: 'b7f3c9a2-1e4d-4c8b-a6f0-2d9e8c7b5a31',
    });
    expect(first?.cluster?.resourceId).toBe(CLUSTER);
    expect(first?.attributes).toMatchObject({ 'row.Failures': '1', alertRule: 'aks-node-auto-repair' });
    expect(new Set(signals.map((s) => s.sourceId)).size).toBe(3);
    expect(
      new Set(
        signals.map(
          (s) => enrichFailure(s, { matchText: () => ({ matches: [], unrecognised: [] }) }).fingerprint,
        ),
      ).size,
    ).toBe(3);
  });

  it('gives the same row the same source id when the alert is processed again', async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(2)], capped: false }));
    const a = await signalsFromCommonAlert(kube(), deps({ rows }));
    const b = await signalsFromCommonAlert(kube(), deps({ rows }));
    expect(b.signals.map((s) => s.sourceId)).toEqual(a.signals.map((s) => s.sourceId));
  });

  it('caps the rows and says so on every signal', async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(5)], capped: true }));
    const out = await signalsFromCommonAlert(kube(), deps({ rows, maxRows: 5 }));
    expect(out.signals).toHaveLength(5);
    expect(out.notes[0]).toMatch(/showing the first 5 rows; the alert window holds more/);
    for (const s of out.signals) expect(s.attributes.rowsNote).toBe(out.notes[0]);
  });

  it('cuts a fetcher that returns more rows than asked', async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(9)], capped: false }));
    const out = await signalsFromCommonAlert(kube(), deps({ rows, maxRows: 4 }));
    expect(out.signals).toHaveLength(4);
    expect(out.notes).toHaveLength(1);
  });

  it('delivers the alert itself when the window has no rows (a "fewer than" rule), and says why', async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(0)], capped: false }));
    const out = await signalsFromCommonAlert(kube(), deps({ rows }));
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]?.attributes.rowsNote).toBe('the alert query returned no rows in the alert window');
    expect(out.signals[0]?.cluster?.resourceId).toBe(CLUSTER);
  });

  it('reports a transient fetch failure with the alert-only signals to fall back on', async () => {
    const rows = new TableFetcher(() => ({
      ok: false,
      transient: true,
      reason: 'Log Analytics answered 503',
    }));
    const out = await signalsFromCommonAlert(kube(), deps({ rows }));
    expect(out.transientFailure).toBe('Log Analytics answered 503');
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]?.attributes.rowsNote).toBe('rows not fetched: Log Analytics answered 503');
  });

  it('delivers the alert without rows after a permanent failure (403), saying why', async () => {
    const rows = new TableFetcher(() => ({
      ok: false,
      transient: false,
      reason: 'access denied (403 InsufficientAccessError)',
    }));
    const out = await signalsFromCommonAlert(kube(), deps({ rows }));
    expect(out.transientFailure).toBeUndefined();
    expect(out.notes).toEqual(['rows not fetched: access denied (403 InsufficientAccessError)']);
  });

  it('says so when no Log Analytics access is configured', async () => {
    const out = await signalsFromCommonAlert(kube(), deps());
    expect(out.signals).toHaveLength(1);
    expect(out.notes).toEqual(['rows not fetched: no Log Analytics access is configured']);
  });

  it('says so when the rule cannot be read, and delivers the alert without rows', async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(1)], capped: false }));
    const missing = await signalsFromCommonAlert(
      kube(namingRule(`${RULE_GROUP}/providers/Microsoft.Insights/scheduledQueryRules/gone`)),
      deps({ rows }),
    );
    expect(missing.notes).toEqual([
      'rows not fetched: log search rule gone was not found in Resource Manager',
    ]);
    expect(missing.signals).toHaveLength(1);
    const denied = await signalsFromCommonAlert(
      kube(),
      deps({
        rows,
        rules: fixtureRules().failRule(KUBE_RULE_ID, { transient: false, reason: 'denied (403)' }),
      }),
    );
    expect(denied.notes).toEqual(['rows not fetched: denied (403)']);
    expect(denied.transientFailure).toBeUndefined();
    const throttled = await signalsFromCommonAlert(
      kube(),
      deps({
        rows,
        rules: fixtureRules().failRule(KUBE_RULE_ID, { transient: true, reason: 'throttled (429)' }),
      }),
    );
    expect(throttled.transientFailure).toBe('throttled (429)');
    const none = await signalsFromCommonAlert(kube(), deps({ rows, rules: undefined }));
    expect(none.notes[0]).toMatch(/no Resource Manager access is configured/);
    expect(rows.plans).toHaveLength(0);
  });

  it('finds the rule by name in ALERT_RULE_SCOPES when the alert names no rule id', async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(1)], capped: false }));
    const rules = fixtureRules();
    const other = '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/resourceGroups/rg-elsewhere';
    await signalsFromCommonAlert(alertOf(KUBE), deps({ rows, rules, ruleScopes: [other, RULE_GROUP] }));
    expect(rules.reads.slice(0, 2).map((r) => r.toLowerCase())).toEqual([
      `${other}/providers/Microsoft.Insights/scheduledQueryRules/aks-node-auto-repair`.toLowerCase(),
      KUBE_RULE_ID.toLowerCase(),
    ]);
    expect(rows.plans[0]?.plan.rule).toBe(KUBE_RULE_ID);
    const unnamed = await signalsFromCommonAlert(alertOf(KUBE), deps({ rows }));
    expect(unnamed.notes[0]).toMatch(/does not name its rule/);
  });

  it('runs a resource-centric rule against its resource', async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(1)], capped: false }));
    await signalsFromCommonAlert(alertOf(RESOURCE_ALERT, namingRule(VM_RULE_ID)), deps({ rows }));
    expect(rows.plans[0]?.plan.target).toEqual({ resourceId: VM_ID });
    expect(rows.plans[0]?.plan.query).toBe("Heartbeat\n| where tostring(['Computer']) == 'TestComputer'");
  });

  it("reads the rule's time range back from when it fired when the payload's window is empty (a test action)", async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(1)], capped: false }));
    const id =
      '/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/test-RG/providers/Microsoft.Insights/scheduledQueryRules/test-logAlertRule-v2';
    const rules = fixtureRules().setRule(
      id,
      ruleProperties({ query: 'Heartbeat', scopes: [VM_ID], windowSize: 'PT1H' }),
    );
    await signalsFromCommonAlert(
      alertOf('samples/common-alert-log-search.json', namingRule(id)),
      deps({ rows, rules }),
    );
    expect(rows.plans[0]?.plan.window.start.toISOString()).toBe('2025-04-15T17:08:03.626Z');
    expect(rows.plans[0]?.plan.window.end.toISOString()).toBe('2025-04-15T18:08:03.626Z');
  });

  it("never reads more than the rule's own time range, nor past now", async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(1)], capped: false }));
    const alert = kube((b) => {
      setAt(b, 'data.alertContext.condition.windowStartTime', '2016-01-01T00:00:00Z');
      setAt(b, 'data.alertContext.condition.windowEndTime', '2036-01-01T00:00:00Z');
    });
    const now = new Date('2026-03-04T08:20:00Z');
    await signalsFromCommonAlert(alert, deps({ rows, now: () => now }));
    expect(rows.plans[0]?.plan.window).toEqual({ start: new Date('2026-03-04T08:05:00Z'), end: now });
  });

  it("applies the alert's dimensions the rule splits by, escaped as KQL string literals, and no others", async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(1)], capped: false }));
    const alert = alertOf(RESOURCE_ALERT, (b) => {
      namingRule(VM_RULE_ID)(b);
      setAt(b, 'data.alertContext.condition.allOf.0.dimensions', [
        { name: 'Computer', value: "node-1' or 1==1 //" },
        { name: 'NotSplitBy', value: 'x' },
      ]);
    });
    await signalsFromCommonAlert(alert, deps({ rows }));
    expect(rows.plans[0]?.plan.query).toBe(
      "Heartbeat\n| where tostring(['Computer']) == 'node-1\\' or 1==1 //'",
    );
  });

  it("never runs the payload's query or calls a host or path named in the payload", async () => {
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(1)], capped: false }));
    const alert = kube((b) => {
      setAt(b, 'data.alertContext.condition.allOf.0.searchQuery', "union workspace('x').ContainerLog");
      setAt(
        b,
        'data.alertContext.condition.allOf.0.linkToFilteredSearchResultsAPI',
        'https://evil.example/v1/workspaces/00000000-0000-0000-0000-000000000000/query?query=ContainerLog',
      );
      setAt(
        b,
        'data.alertContext.condition.allOf.0.linkToSearchResultsAPI',
        'https://api.loganalytics.io/v1/subscriptions/S/x/..%2F..%2Fworkspaces%2Fother/query?query=y',
      );
    });
    await signalsFromCommonAlert(alert, deps({ rows }));
    expect(rows.plans).toHaveLength(1);
    expect(rows.plans[0]?.plan.query).not.toMatch(/ContainerLog|workspace\(/);
    expect(rows.plans[0]?.plan.target).toMatchObject({ workspaceId: KUBE_WORKSPACE.customerId });
  });

  it('uses rows embedded by the older log alert payloads instead of querying', async () => {
    const rows = new TableFetcher(() => ({ ok: false, transient: false, reason: 'must not be called' }));
    const alert = alertOf(KUBE, (b) =>
      setAt(b, 'data.alertContext', {
        SearchQuery: 'KubeEvents | where Reason == "NodeRebootError"',
        SearchIntervalStartTimeUtc: '3/4/2026 8:00:00 AM',
        SearchIntervalEndtimeUtc: '3/4/2026 8:15:00 AM',
        ResultCount: 1,
        LinkToSearchResultsAPI:
          'https://api.loganalytics.io/v1/workspaces/b7f3c9a2-1e4d-4c8b-a6f0-2d9e8c7b5a31/query?query=KubeEvents',
        SearchResults: {
          tables: [
            {
              name: 'PrimaryResult',
              columns: [
                { name: 'TimeGenerated', type: 'datetime' },
                { name: 'Computer', type: 'string' },
                { name: 'Message', type: 'string' },
              ],
              rows: [
                [
                  '2026-03-04T08:05:00Z',
                  'aks-np-1',
                  'Node auto-repair reboot action failed due to an operation failure',
                ],
              ],
            },
          ],
        },
        IncludedSearchResults: 'True',
      }),
    );
    expect(alert.type).toBe('log-search-legacy');
    const out = await signalsFromCommonAlert(alert, deps({ rows }));
    expect(rows.plans).toHaveLength(0);
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]).toMatchObject({ node: 'aks-np-1', occurredAt: '2026-03-04T08:05:00.000Z' });
  });
});

describe('signalsFromCommonAlert: a resolved log search alert reaches the fingerprints of its fired signals', () => {
  const catalog = { matchText: () => ({ matches: [], unrecognised: [] }) };
  const fp = (s: FailureSignal): string => enrichFailure(s, catalog).fingerprint;
  const resolvedOf = (b: unknown): void => {
    setAt(b, 'data.essentials.monitorCondition', 'Resolved');
    setAt(b, 'data.essentials.resolvedDateTime', '2026-03-04T09:00:00Z');
  };

  it('replays what the fired alert became, with status resolved', async () => {
    const memory = new MapMemory();
    const rows = new TableFetcher(() => ({ ok: true, tables: [countTable(3)], capped: false }));
    const fired = await signalsFromCommonAlert(kube(), deps({ rows, memory }));
    const resolved = await signalsFromCommonAlert(kube(resolvedOf), deps({ rows, memory }));
    expect(rows.plans).toHaveLength(1);
    expect(resolved.signals.map((s) => s.status)).toEqual(['resolved', 'resolved', 'resolved']);
    expect(resolved.signals.map(fp)).toEqual(fired.signals.map(fp));
    expect(resolved.signals.every((s) => s.occurredAt === '2026-03-04T09:00:00.000Z')).toBe(true);
    const firedIds = new Set(fired.signals.map((s) => s.sourceId));
    expect(resolved.signals.some((s) => firedIds.has(s.sourceId))).toBe(false);
  });

  it('falls back to the alert-level identity when nothing was remembered', async () => {
    const memory = new MapMemory();
    const noRows = new TableFetcher(() => ({ ok: true, tables: [countTable(0)], capped: false }));
    const fired = await signalsFromCommonAlert(kube(), deps({ rows: noRows }));
    const resolved = await signalsFromCommonAlert(kube(resolvedOf), deps({ memory }));
    expect(resolved.signals).toHaveLength(1);
    expect(resolved.signals[0]?.status).toBe('resolved');
    expect(fp(resolved.signals[0] as FailureSignal)).toBe(fp(fired.signals[0] as FailureSignal));
  });

  it('does not remember a fired alert whose rows could not be fetched yet (it will be retried)', async () => {
    const memory = new MapMemory();
    const rows = new TableFetcher(() => ({ ok: false, transient: true, reason: '429' }));
    await signalsFromCommonAlert(kube(), deps({ rows, memory }));
    expect(memory.map.size).toBe(0);
  });
});

describe('signalsFromCommonAlertText (replay and the command line)', () => {
  it('parses and converts one payload', async () => {
    const out = await signalsFromCommonAlertText(
      alertFixtureText('commonAlert/activity-log-agentpool-subnet-full.json'),
      deps(),
    );
    expect(out).toMatchObject({ ok: true, notes: [] });
    if (out.ok) expect(out.signals[0]?.errorCodes[0]).toBe('SubnetIsFull');
  });

  it('returns the problems of an invalid payload', async () => {
    const out = await signalsFromCommonAlertText(
      '{"schemaId":"azureMonitorCommonAlertSchema","data":{}}',
      deps(),
    );
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.problems.map((p) => p.path)).toContain('data.essentials');
  });

  it('delivers an alert of an unknown signalType with what it carries', async () => {
    const body = JSON.parse(alertFixtureText(KUBE)) as unknown;
    setAt(body, 'data.essentials.signalType', 'Smart Signal');
    setAt(body, 'data.alertContext', { DetectionSummary: 'something unusual' });
    const r = await signalsFromCommonAlertText(JSON.stringify(body), deps());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.signals).toHaveLength(1);
    expect(r.signals[0]).toMatchObject({
      kind: 'alert',
      status: 'firing',
      attributes: { signalType: 'Smart Signal', 'context.DetectionSummary': 'something unusual' },
    });
  });
});
