import { describe, expect, it } from 'vitest';
import {
  fromScheduledQueryRule,
  isoDurationMs,
  parseRuleId,
} from '../../../src/sources/commonAlert/scheduledQueryRule.js';
import { KUBE_RULE_ID, kubeRuleProperties } from '../../support/alertRules.js';

describe('parseRuleId', () => {
  it('reads a scheduled query rule id in any case', () => {
    expect(parseRuleId(KUBE_RULE_ID.toLowerCase())).toEqual({
      ok: true,
      ref: {
        subscriptionId: '3f1c2b7e-5a4d-4e8f-9c21-7d0b6a9e4c11',
        resourceGroup: 'rg-monitoring',
        name: 'aks-node-auto-repair',
      },
    });
  });

  it.each([
    ['another resource type', KUBE_RULE_ID.replace('scheduledQueryRules', 'metricAlerts')],
    ['a child path', `${KUBE_RULE_ID}/extra`],
    ['a dot segment', `${KUBE_RULE_ID}/..`],
    ['an encoded separator', KUBE_RULE_ID.replace('aks-node-auto-repair', 'a%2F..%2Fb')],
    ['no leading slash', KUBE_RULE_ID.slice(1)],
  ])('refuses %s', (_label, id) => {
    expect(parseRuleId(id).ok).toBe(false);
  });
});

describe('isoDurationMs', () => {
  it.each([
    ['PT5M', 300_000],
    ['PT1H30M', 5_400_000],
    ['P2D', 172_800_000],
    ['PT90S', 90_000],
    ['P1DT1H', 90_000_000],
  ])('%s is %d ms', (value, ms) => {
    expect(isoDurationMs(value)).toBe(ms);
  });
  it.each(['', 'P', 'PT', '5m', 'P1Y', 'PT-5M'])('%j is not a duration', (value) => {
    expect(isoDurationMs(value)).toBeUndefined();
  });
});

describe('fromScheduledQueryRule', () => {
  const wire = (properties: Record<string, unknown>, kind = 'LogAlert') => ({
    id: KUBE_RULE_ID,
    name: 'aks-node-auto-repair',
    type: 'microsoft.insights/scheduledqueryrules',
    kind,
    properties,
  });

  it("reads the query, the scopes, the split dimensions and the rule's time range", () => {
    const got = fromScheduledQueryRule(wire(kubeRuleProperties({ dimensions: ['Reason'] })));
    expect(got).toMatchObject({
      ok: true,
      rule: {
        id: KUBE_RULE_ID,
        scopes: [expect.stringMatching(/workspaces\/law-aks-prod$/) as unknown],
        queryRangeMs: 900_000,
        criteria: [{ dimensions: ['Reason', '_ResourceId'] }],
      },
    });
  });

  it('takes overrideQueryTimeRange, or the window times the evaluation periods, capped at two days', () => {
    const range = (p: Record<string, unknown>) => {
      const got = fromScheduledQueryRule(wire(p));
      return got.ok ? got.rule.queryRangeMs : undefined;
    };
    expect(range(kubeRuleProperties({ overrideQueryTimeRange: 'P1D' }))).toBe(86_400_000);
    const periods = kubeRuleProperties();
    (
      (periods.criteria as { allOf: Record<string, unknown>[] }).allOf[0] as Record<string, unknown>
    ).failingPeriods = {
      numberOfEvaluationPeriods: 4,
      minFailingPeriodsToAlert: 2,
    };
    expect(range(periods)).toBe(3_600_000);
    expect(range(kubeRuleProperties({ overrideQueryTimeRange: 'P30D' }))).toBe(172_800_000);
  });

  it.each([
    ['no scopes', wire({ ...kubeRuleProperties(), scopes: [] })],
    ['no criteria', wire({ ...kubeRuleProperties(), criteria: { allOf: [] } })],
    ['no window', wire({ ...kubeRuleProperties(), windowSize: undefined })],
    ['a criterion without a query', wire({ ...kubeRuleProperties(), criteria: { allOf: [{ query: ' ' }] } })],
    ['another kind of rule', wire(kubeRuleProperties(), 'EventLogAlert')],
    ['no properties', { id: KUBE_RULE_ID, name: 'x' }],
  ])('says what is wrong with a rule of %s', (_label, body) => {
    const got = fromScheduledQueryRule(body);
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.reason.length).toBeGreaterThan(10);
  });
});
