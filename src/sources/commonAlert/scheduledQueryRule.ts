import { z } from 'zod';
import { armIdProblem } from '../../azure/armId.js';

/**
 * A log search alert rule (`Microsoft.Insights/scheduledQueryRules`) as Resource Manager returns it:
 * what this app runs to fetch an alert's rows. The alert payload only names the rule; its query,
 * scopes and time range come from here.
 */
export interface AlertRule {
  /** The rule's ARM id, as Resource Manager spells it. */
  id: string;
  name: string;
  /** Resource ids the rule's query runs over (workspaces, clusters, resource groups …). */
  scopes: string[];
  /** How far back one evaluation reads, in milliseconds (overrideQueryTimeRange, else windowSize × periods). */
  queryRangeMs: number;
  criteria: AlertRuleCriterion[];
}

export interface AlertRuleCriterion {
  query: string;
  /** Dimension names the rule splits by, the resource id column included. */
  dimensions: string[];
}

/** The API version this app reads rules with (the payload's LogQueryCriteria shape is 2021-08-01+). */
export const SCHEDULED_QUERY_RULES_API_VERSION = '2023-12-01';

/** Where a rule is: its subscription, resource group and name. */
export interface RuleRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

const RULE_ID =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.insights\/scheduledqueryrules\/([^/]+)$/i;

/** A scheduled query rule id -> its parts, or why it is not one. */
export function parseRuleId(id: string): { ok: true; ref: RuleRef } | { ok: false; reason: string } {
  const trimmed = id.trim();
  const problem = armIdProblem(trimmed);
  if (problem) return { ok: false, reason: `the rule id ${problem}` };
  const m = RULE_ID.exec(trimmed.replace(/\/$/, ''));
  if (!m?.[1] || !m[2] || !m[3])
    return { ok: false, reason: 'the rule id does not name a Microsoft.Insights/scheduledQueryRules rule' };
  return { ok: true, ref: { subscriptionId: m[1], resourceGroup: m[2], name: m[3] } };
}

/** The ARM id of a rule reference. */
export function ruleIdOf(ref: RuleRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Insights/scheduledQueryRules/${ref.name}`;
}

/** An ISO 8601 duration of days, hours, minutes and seconds (`PT5M`, `P2D`, `PT1H30M`) in ms. */
export function isoDurationMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(value.trim());
  if (!m || value.trim().toUpperCase() === 'P' || /T$/i.test(value.trim())) return undefined;
  const [, d, h, min, s] = m;
  return (
    Number(d ?? 0) * 86_400_000 +
    Number(h ?? 0) * 3_600_000 +
    Number(min ?? 0) * 60_000 +
    Number(s ?? 0) * 1000
  );
}

const wireRule = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string().nullish(),
  properties: z.object({
    scopes: z.array(z.string()).min(1, 'must list at least one scope'),
    windowSize: z.string().nullish(),
    overrideQueryTimeRange: z.string().nullish(),
    criteria: z.object({
      allOf: z
        .array(
          z.object({
            query: z.string().nullish(),
            resourceIdColumn: z.string().nullish(),
            dimensions: z.array(z.object({ name: z.string() })).nullish(),
            failingPeriods: z.object({ numberOfEvaluationPeriods: z.number().nullish() }).nullish(),
          }),
        )
        .min(1, 'must list at least one criterion'),
    }),
  }),
});

/** The longest query time range a log search rule can have (overrideQueryTimeRange allows two days). */
const MAX_RANGE_MS = 2 * 86_400_000;

/** Resource Manager's answer -> the rule, or what is wrong with it. */
export function fromScheduledQueryRule(
  body: unknown,
): { ok: true; rule: AlertRule } | { ok: false; reason: string } {
  const parsed = wireRule.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `the rule is not a log search rule this app can run (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unreadable'})`,
    };
  }
  const { id, name, kind, properties: p } = parsed.data;
  if (kind && !/^(LogAlert|LogToMetric|SimpleLogAlert)$/i.test(kind))
    return { ok: false, reason: `the rule is of kind ${kind}, not a log search alert` };
  const criteria: AlertRuleCriterion[] = [];
  let periods = 1;
  for (const c of p.criteria.allOf) {
    if (!c.query?.trim()) return { ok: false, reason: 'the rule has a criterion without a query' };
    const dimensions = (c.dimensions ?? []).map((d) => d.name);
    if (c.resourceIdColumn) dimensions.push(c.resourceIdColumn);
    criteria.push({ query: c.query, dimensions });
    periods = Math.max(periods, c.failingPeriods?.numberOfEvaluationPeriods ?? 1);
  }
  const window = isoDurationMs(p.windowSize);
  const override = isoDurationMs(p.overrideQueryTimeRange);
  const range = override ?? (window !== undefined ? window * periods : undefined);
  if (range === undefined || range <= 0)
    return { ok: false, reason: 'the rule has no usable windowSize or overrideQueryTimeRange' };
  return {
    ok: true,
    rule: { id, name, scopes: p.scopes, queryRangeMs: Math.min(range, MAX_RANGE_MS), criteria },
  };
}
