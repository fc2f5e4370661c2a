import { armIdProblem, armIdUnder, normaliseArmId } from '../../azure/armId.js';
import { checkAlertQuery } from '../../azure/kqlGuard.js';
import type { Dimension } from './commonAlertSchema.js';
import type { CommonAlert } from './parseCommonAlert.js';
import type { AlertRule, RuleRef } from './scheduledQueryRule.js';
import { parseRuleId } from './scheduledQueryRule.js';

type LogSearchAlert = Extract<CommonAlert, { type: 'log-search' | 'log-search-legacy' }>;

/**
 * Where a log search query runs: a workspace (by its GUID, with its resource id when it came from a
 * rule's scope) or a resource (resource-centric rules, resource groups, subscriptions).
 */
export type LogSearchTarget = { workspaceId: string; workspaceResourceId?: string } | { resourceId: string };

/** One query to run to get back the rows behind a log search alert: always its rule's own query. */
export interface LogSearchPlan {
  target: LogSearchTarget;
  query: string;
  window: { start: Date; end: Date };
  /** The rule the query is read from (its ARM id). */
  rule: string;
}

export type LogSearchPlanResult =
  { ok: true; plans: LogSearchPlan[]; notes: string[] } | { ok: false; reason: string };

/** Queries one alert may cost at most (criteria × scopes); a rule has one criterion today. */
export const MAX_ALERT_QUERIES = 5;
/** Resource groups searched for a rule by name at most. */
const MAX_RULE_LOOKUPS = 10;

const RESOURCE_GROUP = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)$/i;
const RULE_NAME = /^[^/\\%?#*<>:&]{1,260}$/;

/**
 * The rule a log search alert came from, to read from Resource Manager: the rule id the alert names
 * (`alertRuleID`), which must lie under `ruleScopes` when those are set; else the rule of the
 * alert's name in each resource group of `ruleScopes`.
 */
export function ruleRefsOf(
  alert: LogSearchAlert,
  ruleScopes: readonly string[] | undefined,
): { ok: true; refs: RuleRef[] } | { ok: false; reason: string } {
  const e = alert.essentials;
  const scopes = (ruleScopes ?? []).map(normaliseArmId);
  const id = (e.alertRuleID ?? e.alertRuleId ?? '').trim();
  if (id) {
    const parsed = parseRuleId(id);
    if (!parsed.ok) return { ok: false, reason: `${parsed.reason} (${id})` };
    const ruleId = normaliseArmId(id);
    if (scopes.length > 0 && !scopes.some((p) => armIdUnder(ruleId, p)))
      return { ok: false, reason: `the alert's rule ${id} is outside ALERT_RULE_SCOPES` };
    return { ok: true, refs: [parsed.ref] };
  }
  const name = e.alertRule.trim();
  const groups = scopes.map((s) => RESOURCE_GROUP.exec(s)).filter((m) => m !== null);
  if (groups.length === 0)
    return {
      ok: false,
      reason:
        'the alert does not name its rule (no alertRuleID), and ALERT_RULE_SCOPES lists no resource group to look it up by name',
    };
  if (!RULE_NAME.test(name) || name === '.' || name === '..')
    return { ok: false, reason: 'the alert does not name its rule (no alertRuleID) by a usable rule name' };
  return {
    ok: true,
    refs: groups
      .slice(0, MAX_RULE_LOOKUPS)
      .map((m) => ({ subscriptionId: m[1] as string, resourceGroup: m[2] as string, name })),
  };
}

/** `| where` clauses that keep only the rows of one alert instance's dimension values. */
export function dimensionFilter(dimensions: readonly Dimension[], kqlString: (s: string) => string): string {
  return dimensions
    .map((d) => `\n| where tostring([${kqlString(d.name)}]) == ${kqlString(d.value)}`)
    .join('');
}

/** Parses a time; zone-less forms (the older payloads' '3/22/2019 1:36:31 PM') are UTC. */
function parseUtc(value: string | null | undefined): number {
  if (!value) return NaN;
  const v = value.trim();
  const hasZone = /(z|[+-]\d\d:?\d\d|utc|gmt)$/i.test(v);
  if (hasZone) return Date.parse(v);
  return Date.parse(/^\d{4}-\d\d-\d\d/.test(v) ? `${v}Z` : `${v} UTC`);
}

/**
 * The window to read: the alert's evaluation window, never longer than the rule's own query time
 * range and never ending after now. A test action (start == end) or a payload without a window
 * reads the rule's range up to when the alert fired.
 */
function windowOf(alert: LogSearchAlert, rangeMs: number, now: Date): { start: Date; end: Date } | undefined {
  const [start, end] =
    alert.type === 'log-search'
      ? [alert.context.condition.windowStartTime, alert.context.condition.windowEndTime]
      : [
          alert.context.SearchIntervalStartTimeUtc,
          alert.context.SearchIntervalEndTimeUtc ?? alert.context.SearchIntervalEndtimeUtc,
        ];
  let e = parseUtc(end);
  if (Number.isNaN(e)) e = parseUtc(alert.essentials.firedDateTime);
  if (Number.isNaN(e)) return undefined;
  e = Math.min(e, now.getTime());
  let s = parseUtc(start);
  if (Number.isNaN(s) || s >= e) s = e - rangeMs;
  s = Math.max(s, e - rangeMs);
  return { start: new Date(s), end: new Date(e) };
}

function payloadDimensions(alert: LogSearchAlert, index: number): Dimension[] {
  if (alert.type === 'log-search-legacy') return alert.context.Dimensions ?? [];
  return alert.context.condition.allOf[index]?.dimensions ?? [];
}

/** ARM ids the alert says it fired for: used only to choose among the rule's own scopes. */
function alertTargets(alert: LogSearchAlert): string[] {
  const e = alert.essentials;
  return [...(e.alertTargetIDs ?? []), ...(e.configurationItems ?? [])]
    .filter((id) => id.trim().startsWith('/'))
    .map(normaliseArmId);
}

/**
 * What to run to fetch a log search alert's rows: per criterion of the rule (as Resource Manager
 * holds it), the rule's query over the rule's scopes, narrowed to the alert instance by the
 * dimensions the rule splits by, over the alert's window cut to the rule's time range. The payload
 * contributes only dimension values (quoted as literals), the window and the choice among the
 * rule's scopes; its query text and links are never used.
 */
export function logSearchPlans(
  alert: LogSearchAlert,
  rule: AlertRule,
  options: { kqlString: (s: string) => string; now: Date },
): LogSearchPlanResult {
  for (const scope of rule.scopes) {
    const problem = armIdProblem(scope.trim());
    if (problem) return { ok: false, reason: `the rule's scope ${scope} ${problem}` };
  }
  const window = windowOf(alert, rule.queryRangeMs, options.now);
  if (!window) return { ok: false, reason: 'the alert carries no usable evaluation window' };

  const targets = alertTargets(alert);
  const matching = rule.scopes.filter((s) => {
    const scope = normaliseArmId(s);
    return targets.some((t) => armIdUnder(t, scope));
  });
  const scopes = matching.length > 0 ? matching : rule.scopes;

  const plans: LogSearchPlan[] = [];
  const notes: string[] = [];
  let skipped = 0;
  for (const [i, criterion] of rule.criteria.entries()) {
    const check = checkAlertQuery(criterion.query);
    if (!check.ok) return { ok: false, reason: `the rule's query is not run: ${check.reason}` };
    const allowed = new Set(criterion.dimensions.map((d) => d.toLowerCase()));
    const dims = payloadDimensions(alert, i).filter((d) => allowed.has(d.name.toLowerCase()));
    const query = criterion.query + dimensionFilter(dims, options.kqlString);
    for (const scope of scopes) {
      if (plans.length >= MAX_ALERT_QUERIES) {
        skipped++;
        continue;
      }
      plans.push({ target: { resourceId: scope.trim() }, query, window, rule: rule.id });
    }
  }
  if (skipped > 0)
    notes.push(
      `${skipped} of the rule's ${plans.length + skipped} queries not run (at most ${MAX_ALERT_QUERIES} per alert)`,
    );
  return { ok: true, plans, notes };
}
