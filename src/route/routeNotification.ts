import type { EnrichedFailure, Notification } from '../model.js';
import { globMatches } from '../text.js';
import type { Route, RoutingConfig } from './routingConfig.js';
import type { MatchSpec } from './routingSchema.js';

/**
 * Which receivers a notification goes to. Routes are tried in order; a matching route adds its
 * receivers and stops the walk unless it says `continue: true`; when the walk runs off the end
 * (nothing matched, or only `continue` routes did), the default receivers are added too. Conditions look at the notification's severity and status and at its
 * lead failure (cluster, codes, tags, ...); a group is routed as its lead.
 */

export interface ConditionResult {
  field: keyof MatchSpec;
  ok: boolean;
  /** "cluster aks-prod-01 matches aks-prod-*", "severity warning is not one of critical, error". */
  detail: string;
}

export interface RouteStep {
  index: number;
  name: string;
  /** false: not evaluated because an earlier route matched without `continue`. */
  evaluated: boolean;
  matched: boolean;
  conditions: ConditionResult[];
  receivers: string[];
  continue: boolean;
}

export interface RouteExplanation {
  receivers: string[];
  steps: RouteStep[];
  usedDefault: boolean;
}

/** The ARM id segment after `name` (subscriptions, resourceGroups), case-insensitively. */
function armSegment(resourceId: string | undefined, name: string): string | undefined {
  if (!resourceId) return undefined;
  const parts = resourceId.split('/');
  const i = parts.findIndex((p) => p.toLowerCase() === name.toLowerCase());
  return i >= 0 ? parts[i + 1] || undefined : undefined;
}

function show(values: readonly string[]): string {
  return values.join(', ');
}

function oneOf(
  field: keyof MatchSpec,
  label: string,
  value: string | undefined,
  allowed: readonly string[],
): ConditionResult {
  const ok = value !== undefined && allowed.includes(value);
  return {
    field,
    ok,
    detail:
      value === undefined
        ? `${label} is not known (wanted ${show(allowed)})`
        : `${label} ${value} ${ok ? 'is' : 'is not'} one of ${show(allowed)}`,
  };
}

function globs(
  field: keyof MatchSpec,
  label: string,
  values: readonly string[],
  patterns: readonly string[],
): ConditionResult {
  if (values.length === 0)
    return { field, ok: false, detail: `${label} is not known (wanted ${show(patterns)})` };
  for (const v of values)
    for (const p of patterns)
      if (globMatches(p, v)) return { field, ok: true, detail: `${label} ${v} matches ${p}` };
  return { field, ok: false, detail: `${label} ${show(values)} does not match ${show(patterns)}` };
}

function conditions(match: MatchSpec, n: Notification): ConditionResult[] {
  const lead: EnrichedFailure | undefined = n.failures[0];
  const out: ConditionResult[] = [];
  if (match.severity) out.push(oneOf('severity', 'severity', n.severity, match.severity));
  if (match.status) out.push(oneOf('status', 'status', n.status, match.status));
  if (match.category) out.push(oneOf('category', 'category', lead?.category, match.category));
  if (match.kind) out.push(oneOf('kind', 'kind', lead?.kind, match.kind));
  if (match.source) out.push(oneOf('source', 'source', lead?.source, match.source));
  if (match.code) {
    const codes = [...new Set([...(lead?.matches.map((m) => m.code) ?? []), ...(lead?.errorCodes ?? [])])];
    out.push(globs('code', 'code', codes, match.code));
  }
  const subscription = lead?.cluster?.subscriptionId ?? armSegment(lead?.resourceId, 'subscriptions');
  if (match.subscription)
    out.push(globs('subscription', 'subscription', subscription ? [subscription] : [], match.subscription));
  const group = lead?.cluster?.resourceGroup ?? armSegment(lead?.resourceId, 'resourceGroups');
  if (match.resourceGroup)
    out.push(globs('resourceGroup', 'resource group', group ? [group] : [], match.resourceGroup));
  if (match.cluster)
    out.push(globs('cluster', 'cluster', lead?.cluster ? [lead.cluster.name] : [], match.cluster));
  if (match.nodePool) out.push(globs('nodePool', 'node pool', n.nodePools, match.nodePool));
  if (match.tags) {
    const tags = Object.entries(lead?.context?.tags ?? {});
    for (const [key, pattern] of Object.entries(match.tags)) {
      // Azure tag names are case-insensitive.
      const found = tags.find(([k]) => k.toLowerCase() === key.toLowerCase());
      out.push(
        found
          ? globMatches(pattern, found[1])
            ? { field: 'tags', ok: true, detail: `tag ${found[0]}=${found[1]} matches ${pattern}` }
            : { field: 'tags', ok: false, detail: `tag ${found[0]}=${found[1]} does not match ${pattern}` }
          : {
              field: 'tags',
              ok: false,
              detail: lead?.context?.tags ? `no tag ${key}` : `tags are not known (wanted ${key}=${pattern})`,
            },
      );
    }
  }
  return out;
}

function stepFor(route: Route, n: Notification): RouteStep {
  const results = conditions(route.match, n);
  return {
    index: route.index,
    name: route.name,
    evaluated: true,
    matched: results.every((c) => c.ok),
    conditions: results,
    receivers: route.receivers,
    continue: route.continue,
  };
}

/** A notification for one failure, as the grouping stage makes for an ungrouped failure. */
export function notificationForFailure(failure: EnrichedFailure): Notification {
  return {
    id: failure.fingerprint,
    status: failure.status === 'resolved' ? 'resolved' : 'firing',
    severity: failure.severity,
    fingerprint: failure.fingerprint,
    groupKey: failure.fingerprint,
    failures: [failure],
    count: 1,
    firstAt: failure.occurredAt,
    lastAt: failure.occurredAt,
    nodePools: failure.nodePool ? [failure.nodePool] : [],
    nodes: failure.node ? [failure.node] : [],
    ...(failure.duringUpgrade ? { duringUpgrade: true } : {}),
  };
}

/** Every route's verdict and why, for `routes test`. */
export function explainRoute(
  config: RoutingConfig,
  subject: EnrichedFailure | Notification,
): RouteExplanation {
  const n = 'failures' in subject ? subject : notificationForFailure(subject);
  const steps: RouteStep[] = [];
  const receivers: string[] = [];
  let stopped = false;
  for (const route of config.routes) {
    if (stopped) {
      steps.push({
        index: route.index,
        name: route.name,
        evaluated: false,
        matched: false,
        conditions: [],
        receivers: route.receivers,
        continue: route.continue,
      });
      continue;
    }
    const step = stepFor(route, n);
    steps.push(step);
    if (step.matched) {
      for (const r of route.receivers) if (!receivers.includes(r)) receivers.push(r);
      if (!route.continue) stopped = true;
    }
  }
  const usedDefault = !stopped && config.defaultReceivers.length > 0;
  if (usedDefault) for (const r of config.defaultReceivers) if (!receivers.includes(r)) receivers.push(r);
  return { receivers, steps, usedDefault };
}

/** Receiver names the notification goes to (empty: nothing matched and there is no default). */
export function routeNotification(config: RoutingConfig, notification: Notification): string[] {
  const receivers: string[] = [];
  for (const route of config.routes) {
    if (!conditions(route.match, notification).every((c) => c.ok)) continue;
    for (const r of route.receivers) if (!receivers.includes(r)) receivers.push(r);
    if (!route.continue) return receivers;
  }
  for (const r of config.defaultReceivers) if (!receivers.includes(r)) receivers.push(r);
  return receivers;
}
