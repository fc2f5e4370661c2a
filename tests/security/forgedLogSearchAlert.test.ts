/**
 * Attacks by a forged log search alert (anyone who can post to alertWebhook): make the app run a query
 * of the attacker's with its own identity and deliver the rows. Each runs through the app as composed
 * (createApp, settings parsed once), the real Resource Manager client against the local Resource
 * Manager and the real Log Analytics client against the local query API.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/app.js';
import type { CommonAlert } from '../../src/sources/commonAlert/parseCommonAlert.js';
import { signalsFromCommonAlert } from '../../src/sources/commonAlert/signalsFromCommonAlert.js';
import type { CommonAlertSignals } from '../../src/sources/commonAlert/signalsFromCommonAlert.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';
import {
  KUBE_ALERT,
  KUBE_RULE_ID,
  KUBE_WORKSPACE,
  kubeRuleProperties,
  namingRule,
  RULE_GROUP,
} from '../support/alertRules.js';
import { alertOf, setAt } from '../support/commonAlertFixtures.js';
import { FakeArm } from '../support/fakeArm.js';
import { FakeLogAnalytics } from '../support/fakeLogAnalytics.js';

const OTHER_WORKSPACE = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const OTHER_CLUSTER =
  '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/resourceGroups/rg-payments/providers/Microsoft.ContainerService/managedClusters/aks-payments';
const RULE_QUERY_START = /^KubeEvents\n\| where Reason in /;

let arm: FakeArm;
let logs: FakeLogAnalytics;

beforeAll(async () => {
  [arm, logs] = await Promise.all([FakeArm.start(), FakeLogAnalytics.start()]);
  arm.setWorkspace(KUBE_WORKSPACE.resourceId, KUBE_WORKSPACE.customerId);
});
afterAll(() => Promise.all([arm.close(), logs.close()]));

beforeEach(() => {
  arm.setRule(KUBE_RULE_ID, kubeRuleProperties());
  arm.requests.length = 0;
  logs.requests.length = 0;
  // Any query that does run gets one row.
  logs.script('*', ...Array.from({ length: 20 }, () => oneRow()));
});

function oneRow() {
  return {
    status: 200,
    body: {
      tables: [
        {
          name: 'PrimaryResult',
          columns: [
            { name: 'Computer', type: 'string' },
            { name: 'Message', type: 'string' },
          ],
          rows: [['aks-np-1', 'Node auto-repair reboot action failed']],
        },
      ],
    },
  };
}

/** The alert's signals as alertProcess makes them, the app composed from these settings. */
async function processed(
  alert: CommonAlert,
  settings: NodeJS.ProcessEnv = {},
  logsFake: FakeLogAnalytics = logs,
): Promise<CommonAlertSignals> {
  const app = createApp(
    {
      WEBHOOK_URL: 'https://hooks.example.net/aks',
      ARM_ENDPOINT: arm.endpoint,
      LOG_ANALYTICS_ENDPOINT: logsFake.endpoint,
      LOG_ANALYTICS_WORKSPACE_IDS: KUBE_WORKSPACE.customerId,
      ALERT_RULE_SCOPES: RULE_GROUP,
      ...settings,
    },
    {
      azure: { ...arm.azureAccess(), logsClientOptions: logsFake.clientOptions() },
      store: createMemoryStore(),
      context: false,
    },
  );
  const deps = await app.alertProcessDeps();
  return signalsFromCommonAlert(alert, { ...deps.signals, receivedAt: '2026-03-04T08:15:43.000Z' });
}

/** The fixture alert, naming its rule, with the attacker's edits. */
const forged = (edit: (body: unknown) => void): CommonAlert =>
  alertOf(KUBE_ALERT, (b) => {
    namingRule(KUBE_RULE_ID)(b);
    edit(b);
  });

const criterion = 'data.alertContext.condition.allOf.0';

describe("attack: a forged log search alert runs the attacker's query with the app's identity", () => {
  it("(a) a payload query reading another workspace with workspace('<id>') is never run", async () => {
    const out = await processed(
      forged((b) => {
        const q = `union workspace('${OTHER_WORKSPACE}').ContainerLog | where LogEntry has "password"`;
        setAt(b, `${criterion}.searchQuery`, q);
        setAt(
          b,
          `${criterion}.linkToFilteredSearchResultsAPI`,
          `https://api.loganalytics.io/v1/workspaces/${KUBE_WORKSPACE.customerId}/query?query=${encodeURIComponent(q)}`,
        );
      }),
    );
    expect(logs.requests).toHaveLength(1);
    expect(logs.requests[0]?.workspaceId).toBe(KUBE_WORKSPACE.customerId);
    expect(logs.requests[0]?.query).toMatch(RULE_QUERY_START);
    expect(JSON.stringify(logs.requests)).not.toMatch(/workspace\(|password|ContainerLog/);
    expect(out.signals.map((s) => s.node)).toEqual(['aks-np-1']);
  });

  it('(a) a rule whose own query calls workspace() is not run either, and the alert says why', async () => {
    arm.setRule(
      KUBE_RULE_ID,
      kubeRuleProperties({ query: `union KubeEvents, workspace('${OTHER_WORKSPACE}').KubeEvents` }),
    );
    const out = await processed(forged(() => undefined));
    expect(logs.requests).toHaveLength(0);
    expect(out.notes).toEqual([
      "rows not fetched: the rule's query is not run: the query calls workspace(), which reads outside the rule's scope",
    ]);
    expect(out.signals).toHaveLength(1);
    expect(out.transientFailure).toBeUndefined();
  });

  it('(b) an encoded ../ link path that the client would normalise to another workspace is never followed', async () => {
    const out = await processed(
      forged((b) =>
        setAt(
          b,
          `${criterion}.linkToFilteredSearchResultsAPI`,
          `https://api.loganalytics.io/v1/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/x/..%2F..%2F..%2F..%2Fworkspaces%2F${OTHER_WORKSPACE}/query?query=ContainerLog`,
        ),
      ),
      { ALERT_QUERY_SCOPES: '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11' },
    );
    expect(logs.requests.map((r) => r.workspaceId)).toEqual([KUBE_WORKSPACE.customerId]);
    expect(out.signals).toHaveLength(1);
  });

  it('(b) a rule scope with dot segments or encoded separators is refused before any scope check', async () => {
    for (const scope of [
      `/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/resourceGroups/rg/../../../subscriptions/x/resourceGroups/y`,
      `/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/x/..%2F..%2Fworkspaces%2F${OTHER_WORKSPACE}`,
    ]) {
      arm.setRule(KUBE_RULE_ID, kubeRuleProperties({ scopes: [scope] }));
      const out = await processed(
        forged(() => undefined),
        {
          ALERT_QUERY_SCOPES: '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11',
        },
      );
      expect(out.notes[0]).toMatch(
        /^rows not fetched: the rule's scope .* holds (a '\.' or '\.\.' segment|'%')/,
      );
    }
    expect(logs.requests).toHaveLength(0);
  });

  it('(c) a resource-centric query against any AKS cluster (container logs searched for passwords) is never run', async () => {
    const q = 'ContainerLogV2 | where LogMessage has "password"';
    await processed(
      forged((b) => {
        setAt(b, `${criterion}.searchQuery`, q);
        setAt(
          b,
          `${criterion}.linkToSearchResultsAPI`,
          `https://api.loganalytics.io/v1${OTHER_CLUSTER}/query?query=${encodeURIComponent(q)}`,
        );
        setAt(b, `${criterion}.linkToFilteredSearchResultsAPI`, null);
        setAt(b, 'data.essentials.alertTargetIDs', [OTHER_CLUSTER]);
      }),
    );
    expect(logs.requests.map((r) => r.workspaceId)).toEqual([KUBE_WORKSPACE.customerId]);
    expect(JSON.stringify(logs.requests)).not.toMatch(/aks-payments|password|ContainerLogV2/);
  });

  it('a forged rule id outside ALERT_RULE_SCOPES is not even read', async () => {
    const elsewhere =
      '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/resourceGroups/rg-secrets/providers/Microsoft.Insights/scheduledQueryRules/dump';
    arm.setRule(elsewhere, kubeRuleProperties({ query: 'ContainerLog' }));
    const out = await processed(alertOf(KUBE_ALERT, namingRule(elsewhere)));
    expect(arm.requests).toHaveLength(0);
    expect(logs.requests).toHaveLength(0);
    expect(out.notes[0]).toMatch(/is outside ALERT_RULE_SCOPES/);
  });

  it('a forged rule id with dot segments or encoded separators never reaches Resource Manager', async () => {
    for (const id of [
      `${RULE_GROUP}/providers/Microsoft.Insights/scheduledQueryRules/x/../../../../../providers/Microsoft.KeyVault/vaults/kv`,
      `${RULE_GROUP}/providers/Microsoft.Insights/scheduledQueryRules/x%2F..%2F..%2Fother`,
      `${RULE_GROUP}/providers/Microsoft.Insights/scheduledQueryRules/..`,
    ]) {
      const out = await processed(alertOf(KUBE_ALERT, namingRule(id)), { ALERT_RULE_SCOPES: '' });
      expect(out.notes[0]).toMatch(/^rows not fetched: the rule id holds/);
    }
    expect(arm.requests).toHaveLength(0);
  });

  it('a query of two statements (the appended take binding to the last only) is refused', async () => {
    arm.setRule(
      KUBE_RULE_ID,
      kubeRuleProperties({ query: 'ContainerLog | where LogEntry has "password";\nKubeEvents | take 1' }),
    );
    const out = await processed(forged(() => undefined));
    expect(logs.requests).toHaveLength(0);
    expect(out.notes[0]).toMatch(/the query has 2 statements besides its let declarations/);
  });

  it("a rule's workspace the app does not poll (nor ALERT_QUERY_SCOPES lists) is not queried", async () => {
    const other =
      '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/law-security';
    arm.setWorkspace(other, OTHER_WORKSPACE);
    arm.setRule(KUBE_RULE_ID, kubeRuleProperties({ scopes: [other] }));
    const out = await processed(forged(() => undefined));
    expect(logs.requests).toHaveLength(0);
    expect(out.notes[0]).toMatch(new RegExp(`workspace ${OTHER_WORKSPACE} is not one this app may query`));
  });

  it("an evaluation window stretched to ten years reads no more than the rule's own time range", async () => {
    await processed(
      forged((b) => {
        setAt(b, 'data.alertContext.condition.windowStartTime', '2016-03-04T08:15:00Z');
        setAt(b, 'data.alertContext.condition.windowEndTime', '2026-03-04T08:15:00Z');
      }),
    );
    // The rule reads 15 minutes (windowSize PT15M, one period).
    expect(logs.requests[0]?.timespan).toBe('2026-03-04T08:00:00.000Z/2026-03-04T08:15:00.000Z');
  });
});

describe('attack: one alert that costs a great deal', () => {
  it('stops at ALERT_QUERY_BUDGET: the query is aborted and the alert delivered without rows, saying why', async () => {
    const slow = await FakeLogAnalytics.start({ latencyMs: 5_000 });
    try {
      slow.script('*', oneRow());
      const out = await processed(
        forged(() => undefined),
        { ALERT_QUERY_BUDGET: '200ms' },
        slow,
      );
      expect(out.notes).toEqual([
        "rows not fetched: the alert's rule and queries took longer than ALERT_QUERY_BUDGET (200 ms)",
      ]);
      expect(out.transientFailure).toBeUndefined();
      expect(out.signals).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });

  it('reads no more than ALERT_QUERY_MAX_BYTES of an answer', async () => {
    const big = 'x'.repeat(1_000);
    const fresh = await FakeLogAnalytics.start();
    try {
      fresh.script('*', {
        status: 200,
        body: {
          tables: [
            {
              name: 'PrimaryResult',
              columns: [{ name: 'Message', type: 'string' }],
              rows: Array.from({ length: 2_000 }, () => [big]),
            },
          ],
        },
      });
      const out = await processed(
        forged(() => undefined),
        { ALERT_QUERY_MAX_BYTES: '65536' },
        fresh,
      );
      expect(fresh.requests).toHaveLength(1);
      expect(out.notes[0]).toMatch(
        /^rows not fetched: Log Analytics workspace .*: the answer is larger than 65536 bytes/,
      );
      expect(out.signals).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  it('runs at most five queries for a rule of many criteria', async () => {
    const props = kubeRuleProperties();
    const criteria = (props.criteria as { allOf: unknown[] }).allOf;
    (props.criteria as { allOf: unknown[] }).allOf = Array.from({ length: 8 }, () => criteria[0]);
    arm.setRule(KUBE_RULE_ID, props);
    const out = await processed(
      forged(() => undefined),
      { ALERT_LOG_MAX_ROWS: '1000' },
    );
    expect(logs.requests).toHaveLength(5);
    expect(out.notes).toContain("3 of the rule's 8 queries not run (at most 5 per alert)");
  });
});
