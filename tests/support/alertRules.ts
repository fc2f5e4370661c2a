/**
 * Log search rules for the tests, in Resource Manager's wire format, and an in-memory rule reader
 * for unit tests (integration tests serve the same rules from FakeArm to the real client).
 */
import type { AlertRuleReader, ArmRead } from '../../src/sources/commonAlert/armAlertRules.js';
import type { AlertRule, RuleRef } from '../../src/sources/commonAlert/scheduledQueryRule.js';
import { fromScheduledQueryRule, ruleIdOf } from '../../src/sources/commonAlert/scheduledQueryRule.js';
import { alertFixture, getAt } from './commonAlertFixtures.js';

export const KUBE_ALERT = 'commonAlert/log-search-kubeevents-auto-repair.json';
export const RESOURCE_ALERT = 'commonAlert/log-search-resource-centric.json';

/** The workspace of the KubeEvents fixture: its resource id and its customer id (the query API's id). */
export const KUBE_WORKSPACE = {
  resourceId:
    '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-aks-prod',
  customerId: 'b7f3c9a2-1e4d-4c8b-a6f0-2d9e8c7b5a31',
};

export const RULE_GROUP = '/subscriptions/3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11/resourceGroups/rg-monitoring';
export const KUBE_RULE_ID = `${RULE_GROUP}/providers/Microsoft.Insights/scheduledQueryRules/aks-node-auto-repair`;

export const VM_RULE_ID =
  '/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/Contoso/providers/Microsoft.Insights/scheduledQueryRules/heartbeat-missing';
export const VM_ID =
  '/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/Contoso/providers/Microsoft.Compute/virtualMachines/Contoso';

/** A rule's `properties` as Resource Manager returns them for a LogAlert rule (API 2023-12-01). */
export function ruleProperties(over: {
  query: string;
  scopes: string[];
  windowSize?: string;
  dimensions?: string[];
  resourceIdColumn?: string;
  overrideQueryTimeRange?: string;
}): Record<string, unknown> {
  const criterion: Record<string, unknown> = {
    query: over.query,
    timeAggregation: 'Count',
    dimensions: (over.dimensions ?? []).map((name) => ({ name, operator: 'Include', values: ['*'] })),
    operator: 'GreaterThan',
    threshold: 0,
    failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
  };
  if (over.resourceIdColumn) criterion.resourceIdColumn = over.resourceIdColumn;
  const props: Record<string, unknown> = {
    createdWithApiVersion: '2023-12-01',
    displayName: 'test rule',
    severity: 2,
    enabled: true,
    evaluationFrequency: 'PT5M',
    scopes: over.scopes,
    windowSize: over.windowSize ?? 'PT15M',
    criteria: { allOf: [criterion] },
    autoMitigate: false,
    actions: { actionGroups: [], customProperties: {} },
    isWorkspaceAlertsStorageConfigured: false,
    checkWorkspaceAlertsStorageConfigured: false,
    skipQueryValidation: false,
  };
  if (over.overrideQueryTimeRange) props.overrideQueryTimeRange = over.overrideQueryTimeRange;
  return props;
}

/** The rule the KubeEvents fixture fired from: its own query over the workspace, split by cluster. */
export function kubeRuleProperties(over: Partial<Parameters<typeof ruleProperties>[0]> = {}) {
  return ruleProperties({
    query: getAt(alertFixture(KUBE_ALERT), 'data.alertContext.condition.allOf.0.searchQuery') as string,
    scopes: [KUBE_WORKSPACE.resourceId],
    resourceIdColumn: '_ResourceId',
    ...over,
  });
}

/** The rule of the resource-centric fixture: Heartbeat on one VM, split by computer. */
export function vmRuleProperties(over: Partial<Parameters<typeof ruleProperties>[0]> = {}) {
  return ruleProperties({
    query: 'Heartbeat',
    scopes: [VM_ID],
    windowSize: 'PT10M',
    dimensions: ['Computer'],
    ...over,
  });
}

/** A rule as the app reads it, from wire-format properties. */
export function ruleOf(id: string, properties: Record<string, unknown>, kind = 'LogAlert'): AlertRule {
  const parsed = fromScheduledQueryRule({ id, name: id.slice(id.lastIndexOf('/') + 1), kind, properties });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.rule;
}

/** Rules and workspaces held in memory; records every read. */
export class MapRules implements AlertRuleReader {
  readonly reads: string[] = [];
  private readonly rules = new Map<string, ArmRead<AlertRule>>();
  private readonly workspaces = new Map<string, string>();

  constructor(rules: [string, Record<string, unknown>][] = [], workspaces: [string, string][] = []) {
    for (const [id, props] of rules) this.setRule(id, props);
    for (const [id, guid] of workspaces) this.workspaces.set(id.toLowerCase(), guid);
  }

  setRule(id: string, properties: Record<string, unknown>): this {
    this.rules.set(id.toLowerCase(), { ok: true, value: ruleOf(id, properties) });
    return this;
  }

  failRule(id: string, failure: { transient: boolean; reason: string; missing?: boolean }): this {
    this.rules.set(id.toLowerCase(), { ok: false, ...failure });
    return this;
  }

  rule(ref: RuleRef): Promise<ArmRead<AlertRule>> {
    const id = ruleIdOf(ref);
    this.reads.push(id);
    return Promise.resolve(
      this.rules.get(id.toLowerCase()) ?? {
        ok: false,
        transient: false,
        missing: true,
        reason: `log search rule ${ref.name} was not found in Resource Manager`,
      },
    );
  }

  workspaceId(resourceId: string): Promise<ArmRead<string>> {
    this.reads.push(resourceId);
    const id = this.workspaces.get(resourceId.toLowerCase());
    return Promise.resolve(
      id
        ? { ok: true, value: id }
        : { ok: false, transient: false, missing: true, reason: `workspace ${resourceId} was not found` },
    );
  }
}

/** The rules behind the two log search fixtures, ready to read. */
export function fixtureRules(): MapRules {
  return new MapRules(
    [
      [KUBE_RULE_ID, kubeRuleProperties()],
      [VM_RULE_ID, vmRuleProperties()],
    ],
    [[KUBE_WORKSPACE.resourceId, KUBE_WORKSPACE.customerId]],
  );
}

/** Edits a fixture body to name its rule, as alerts of today's rules do (essentials.alertRuleID). */
export const namingRule =
  (ruleId: string) =>
  (body: unknown): void => {
    (getAt(body, 'data.essentials') as Record<string, unknown>).alertRuleID = ruleId;
  };
