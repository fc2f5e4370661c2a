import type { Notification } from '../model.js';
import { cleanLine, clipLine, clipText, safeUrl, truncate, utf8Bytes } from '../text.js';
import { headline, linksOf, whereLine } from './notificationView.js';
import { TEXT_BUDGETS } from './shortenToFit.js';

/**
 * PagerDuty Events API v2 events. The event is rendered without `routing_key`: the routing key (the
 * receiver's secret) is added only when the request is sent, so it never sits in the outbox.
 * `dedup_key` is the notification's fingerprint, the same on a group's first notification, its
 * update and its resolve, so the update lands on the alert the first one opened and the resolve
 * closes it.
 */

export const PAGERDUTY_LIMITS = { summary: 1024, dedupKey: 255, payloadBytes: 512 * 1024 } as const;

export interface PagerDutyEvent {
  routing_key?: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
  client: string;
}

const CLIENT = 'aks-alert-enricher';

function clean(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  const text = clipLine(value, max);
  return text === '' ? undefined : text;
}

function details(n: Notification, level: number): Record<string, unknown> {
  const budget = TEXT_BUDGETS[Math.min(level, TEXT_BUDGETS.length - 1)] ?? {
    line: 40,
    paragraph: 200,
    raw: 100,
    items: 3,
  };
  const lead = n.failures[0];
  const out: Record<string, unknown> = {
    what_happened: lead ? clipText(lead.summary, budget.paragraph * 2) : undefined,
    count: n.count,
    first_at: n.firstAt,
    last_at: n.lastAt,
    // A group update: the whole group so far, the first notification's failures included.
    first_sent_at: n.update?.firstSentAt,
    cluster: lead?.cluster
      ? {
          name: clean(lead.cluster.name, budget.line),
          resource_group: clean(lead.cluster.resourceGroup, budget.line),
          subscription: clean(lead.cluster.subscriptionId, budget.line),
          resource_id: clean(lead.cluster.resourceId, 1000),
        }
      : undefined,
    resource_id: lead?.resourceId ? clean(lead.resourceId, 1000) : undefined,
    node_pools: n.nodePools.slice(0, budget.items * 4).map((p) => clean(p, budget.line)),
    nodes: n.nodes.slice(0, budget.items * 4).map((p) => clean(p, budget.line)),
    during_upgrade: n.duringUpgrade ?? lead?.duringUpgrade ?? false,
    kind: lead?.kind,
    source: lead?.source,
    reason: clean(lead?.reason, budget.line),
    category: lead?.category,
    catalog_matches: (lead?.matches ?? []).slice(0, Math.max(1, budget.items / 10)).map((m) => ({
      code: clean(m.code, budget.line),
      title: clean(m.title, budget.line),
      meaning: clipText(m.meaning, budget.paragraph),
      mitigation: clipText(m.mitigation, budget.paragraph),
      doc: safeUrl(m.docUrl),
      matched_text: clipText(m.matchedText, budget.line),
    })),
    unrecognised_codes: (lead?.unrecognised ?? []).slice(0, budget.items).map((c) => clean(c, budget.line)),
    correlation_id: clean(lead?.correlationId, budget.line),
    kubernetes_version: clean(
      lead?.context?.nodePool?.orchestratorVersion ?? lead?.context?.kubernetesVersion,
      budget.line,
    ),
    messages: [...new Set(lead?.texts ?? [])]
      .slice(0, Math.min(5, budget.items))
      .map((t) => clipText(t, budget.raw * 2)),
    tags: Object.fromEntries(
      Object.entries(lead?.context?.tags ?? {})
        .slice(0, budget.items)
        .map(([k, v]) => [clipLine(k, budget.line), clipLine(v, budget.line)]),
    ),
    attributes: Object.fromEntries(
      Object.entries(lead?.attributes ?? {})
        .slice(0, budget.items)
        .map(([k, v]) => [clipLine(k, budget.line), clipText(v, budget.paragraph)]),
    ),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/** Notification -> event (without routing key), kept within PagerDuty's 512 KB. */
export function toPagerDutyEvent(n: Notification): PagerDutyEvent {
  const dedupKey = truncate(n.fingerprint, PAGERDUTY_LIMITS.dedupKey);
  if (n.status === 'resolved') return { event_action: 'resolve', dedup_key: dedupKey, client: CLIENT };
  const lead = n.failures[0];
  const budget = TEXT_BUDGETS[0] ?? { line: 200, paragraph: 2000, raw: 1500, items: 50 };
  const where = whereLine(n, budget);
  const code = lead?.matches[0]?.code ?? lead?.errorCodes[0];
  const summary = truncate(
    cleanLine(`${headline(n, budget)}${where ? ` on ${where}` : ''}${code ? ` (${code})` : ''}`),
    PAGERDUTY_LIMITS.summary,
  );
  const links = linksOf(n, budget, 10).map((l) => ({ href: l.url, text: l.title }));
  for (let level = 0; ; level++) {
    const event: PagerDutyEvent = {
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: {
        summary,
        source: clean(lead?.cluster?.name ?? lead?.resourceId, 255) ?? 'aks',
        severity: n.severity,
        timestamp: n.lastAt,
        ...optional('component', clean(n.nodes.length === 1 ? n.nodes[0] : n.nodePools.join(', '), 255)),
        ...optional('group', clean(lead?.cluster?.resourceGroup, 255)),
        ...optional('class', clean(code ?? lead?.category ?? lead?.kind, 255)),
        custom_details: details(n, level),
      },
      links,
      client: CLIENT,
    };
    // Level 3 and beyond keep only the smallest details; the other fields are capped above.
    if (
      utf8Bytes(JSON.stringify(event)) <= PAGERDUTY_LIMITS.payloadBytes - 1024 ||
      level >= TEXT_BUDGETS.length
    )
      return event;
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/** A resolve of part of a group is left out: PagerDuty can only close the whole alert. */
export function pagerDutyAccepts(n: Notification): boolean {
  return n.status === 'firing' || (n.stillFiring ?? 0) === 0;
}
