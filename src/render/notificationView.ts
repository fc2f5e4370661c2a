import type { EnrichedFailure, FailureLink, FailureMatch, Notification, Severity } from '../model.js';
import { clipLine, clipText, cleanLine, safeUrl, truncate } from '../text.js';
import type { TextBudget } from './shortenToFit.js';
import { clusterNameOf, failureTitle } from './failureTitle.js';

/**
 * What every chat sink shows of a notification, as cleaned and length-capped plain text. Values
 * are untrusted (they come from events and alerts): each sink still escapes them for its markup.
 */

export interface Fact {
  /** Our own label (trusted). */
  label: string;
  /** Untrusted value, cleaned and capped. */
  value: string;
}

export interface ViewLink {
  kind: FailureLink['kind'];
  title: string;
  url: string;
}

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'CRITICAL',
  error: 'ERROR',
  warning: 'WARNING',
  info: 'INFO',
};

export function leadOf(n: Notification): EnrichedFailure | undefined {
  return n.failures[0];
}

export function line(value: string | undefined, budget: TextBudget): string {
  return clipLine(value ?? '', budget.line);
}

export function paragraph(value: string | undefined, max: number): string {
  return clipText(value ?? '', max);
}

/**
 * "Agent pool write failed", "12 × Node auto-repair: reboot failed". Sinks show the status
 * (RESOLVED) beside it, so a "Resolved:" the source put in the title is left out.
 */
export function headline(n: Notification, budget: TextBudget): string {
  const lead = leadOf(n);
  let title = line(lead?.title ?? 'AKS failure', budget);
  if (n.status === 'resolved') title = title.replace(/^resolved\s*:\s*/i, '') || title;
  return n.count > 1 ? `${String(n.count)} × ${title}` : title;
}

/** "cluster › pool › node" (or the resource name when there is no cluster); group: counts. */
export function whereLine(n: Notification, budget: TextBudget): string {
  const lead = leadOf(n);
  const parts: string[] = [];
  const cluster = lead ? clusterNameOf(lead) : undefined;
  if (cluster) parts.push(line(cluster, budget));
  if (n.nodePools.length === 1) parts.push(line(n.nodePools[0], budget));
  else if (n.nodePools.length > 1) parts.push(`${String(n.nodePools.length)} node pools`);
  if (n.nodes.length === 1) parts.push(line(n.nodes[0], budget));
  else if (n.nodes.length > 1) parts.push(`${String(n.nodes.length)} nodes`);
  return parts.join(' › ');
}

/** "2026-03-14 03:00:00 UTC" (the input as given when it is not a time). */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return cleanLine(iso);
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** One time, or a span; a span within one day names the day once. */
export function when(n: Notification): string {
  const first = formatTime(n.firstAt);
  const last = formatTime(n.lastAt || n.firstAt);
  if (n.count <= 1 || first === last) return last;
  return first.slice(0, 10) === last.slice(0, 10)
    ? `${first.slice(0, 19)} – ${last.slice(11)}`
    : `${first} – ${last}`;
}

/** "39 s", "5 min", "3 h": how long a group spans. */
export function spanOf(n: Notification): string {
  const ms = Math.max(0, Date.parse(n.lastAt) - Date.parse(n.firstAt));
  if (Number.isNaN(ms)) return '';
  if (ms < 60_000) return `${String(Math.round(ms / 1000))} s`;
  if (ms < 2 * 3_600_000) return `${String(Math.round(ms / 60_000))} min`;
  return `${String(Math.round(ms / 3_600_000))} h`;
}

/**
 * What happened, in a sentence or two. A group says how many failures over which span and where,
 * then describes the first one; a group update says when the group's first message went out; a
 * resolve of part of a group says how many are still failing.
 */
export function whatHappened(n: Notification, max: number): string {
  const lead = leadOf(n);
  const summary = clipText(lead?.summary ?? '', max);
  const rest =
    n.stillFiring !== undefined && n.stillFiring > 0
      ? ` ${String(n.stillFiring)} of the group ${n.stillFiring === 1 ? 'is' : 'are'} still failing.`
      : '';
  if (n.count <= 1) return truncate(`${summary}${rest}`, max);
  const where = [
    n.nodes.length > 0 ? `${String(n.nodes.length)} node${n.nodes.length === 1 ? '' : 's'}` : undefined,
    n.nodePools.length > 0
      ? `${String(n.nodePools.length)} node pool${n.nodePools.length === 1 ? '' : 's'}`
      : undefined,
  ].filter(Boolean);
  const what = n.status === 'resolved' ? 'resolved' : 'failures like this';
  const span = n.update ? ` in ${spanOf(n)}` : '';
  const first = n.update ? `, first sent at ${formatTime(n.update.firstSentAt)}` : '';
  const head = `${String(n.count)} ${what}${span} (${when(n)})${where.length > 0 ? ` on ${where.join(' in ')}` : ''}${first}.${rest}`;
  return truncate(summary ? `${head} The first: ${summary}` : head, max);
}

/** Cluster context: versions, sizes, the node pool's state, correlation. */
function contextFacts(n: Notification, budget: TextBudget): Fact[] {
  const lead = leadOf(n);
  const ctx = lead?.context;
  const facts: Fact[] = [];
  const add = (label: string, value: string | undefined): void => {
    if (value !== undefined && value.trim() !== '') facts.push({ label, value: line(value, budget) });
  };
  add('Kubernetes', ctx?.nodePool?.orchestratorVersion ?? ctx?.kubernetesVersion);
  add('Region', ctx?.location);
  add('VM size', ctx?.nodePool?.vmSize);
  const pool = ctx?.nodePool;
  if (pool?.count !== undefined)
    add(
      'Nodes in pool',
      `${String(pool.count)}${pool.autoscaling?.enabled ? ` (autoscale ${String(pool.autoscaling.min ?? '?')}–${String(pool.autoscaling.max ?? '?')})` : ''}`,
    );
  add('Pool state', pool?.provisioningState);
  add('Correlation id', lead?.correlationId);
  if (lead?.unrecognised.length) add('Unknown codes', lead.unrecognised.join(', '));
  if (lead?.contextError) add('Context', `not read: ${lead.contextError}`);
  const tags = Object.entries(ctx?.tags ?? {}).slice(0, budget.items);
  if (tags.length > 0) add('Tags', tags.map(([k, v]) => `${k}=${v}`).join(', '));
  return facts;
}

function listed(values: readonly string[], budget: TextBudget, max = budget.items): string | undefined {
  if (values.length === 0) return undefined;
  const shown = values.slice(0, max).map((v) => clipLine(v, budget.line));
  const more = values.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${String(more)} more` : shown.join(', ');
}

/** Nodes of a group, capped. */
export function nodeList(n: Notification, budget: TextBudget): string[] {
  return n.nodes.slice(0, budget.items).map((node) => line(node, budget));
}

/** Catalog matches: the primary first; each with meaning and mitigation capped. */
export function matchesOf(n: Notification): FailureMatch[] {
  return leadOf(n)?.matches ?? [];
}

/** Raw source messages of the lead failure, distinct, capped. */
export function rawMessages(n: Notification, budget: TextBudget): string[] {
  const texts = [...new Set(leadOf(n)?.texts ?? [])];
  return texts.slice(0, Math.min(3, budget.items)).map((t) => paragraph(t, budget.raw));
}

export const DURING_UPGRADE_NOTE =
  'This happened while the node pool was rolling (upgrade or node-image update); it may clear once the rollout finishes.';

/** Links safe to show (https, no credentials), distinct, docs first as enrichment ordered them. */
export function linksOf(n: Notification, budget: TextBudget, max = 6): ViewLink[] {
  const out: ViewLink[] = [];
  const seen = new Set<string>();
  for (const f of n.failures.slice(0, 1)) {
    for (const link of f.links) {
      const url = safeUrl(link.url);
      if (!url || url.length > 4096 || seen.has(url)) continue;
      seen.add(url);
      out.push({ kind: link.kind, title: clipLine(link.title, Math.min(budget.line, 60)), url });
      if (out.length >= max) return out;
    }
  }
  return out;
}

/**
 * The card's title: what failed, where and the code, generated from the failure's fields. A group
 * over several nodes names how many; another group says how many failures it holds.
 */
export function cardTitle(n: Notification, budget: TextBudget): string {
  const lead = leadOf(n);
  if (!lead) return 'AKS failure';
  const max = Math.min(budget.line, 160);
  if (n.nodes.length > 1 && lead.node) {
    // "Auto-repair couldn't reboot 12 nodes in pool nodepool1 on aks-prod: NodeRebootError"
    const pools = n.nodePools.length === 1 ? ` in pool ${clipLine(n.nodePools[0] ?? '', 60)}` : '';
    return failureTitle(lead, { max, nodes: `${String(n.nodes.length)} nodes${pools}` });
  }
  const title = failureTitle(lead, { max });
  return n.count > 1 ? truncate(`${String(n.count)} × ${title}`, max) : title;
}

/** "2026-11-20 09:31 UTC · 12 failures in 1 min · first sent 03:00:07 UTC": when, how many. */
export function cardSubline(n: Notification): string {
  const parts = [when(n)];
  if (n.count > 1)
    parts.push(`${String(n.count)} failures${n.lastAt !== n.firstAt ? ` in ${spanOf(n)}` : ''}`);
  if (n.update) parts.push(`update of the message sent ${formatTime(n.update.firstSentAt)}`);
  if (n.stillFiring) parts.push(`${String(n.stillFiring)} still failing`);
  return parts.join(' · ');
}

/** What to do first: the catalog's first steps, or, without a match, where to look. */
export function doFirst(n: Notification, budget: TextBudget): string {
  const lead = leadOf(n);
  const match = lead?.matches[0];
  if (match?.mitigation) return paragraph(match.mitigation, budget.paragraph);
  switch (lead?.kind) {
    case 'cluster-support':
      return "Plan the upgrade to a supported Kubernetes version ('az aks get-upgrades' lists them); clusters out of support get no fixes.";
    case 'kubernetes-version':
      return 'Nothing is broken: read the release notes and plan the upgrade.';
    case 'scheduled-event':
      return 'Expect the maintenance; move or drain workloads that cannot take a node going away.';
    default: {
      const logs = lead?.links.some((l) => l.kind === 'logs');
      return `No catalog entry matched: read the message under Details${logs ? ', then the rows in Logs' : ''}.`;
    }
  }
}

/** The facts behind Details: everything the title and the line under it do not already say. */
export function detailFacts(n: Notification, budget: TextBudget): Fact[] {
  const lead = leadOf(n);
  const facts: Fact[] = [];
  const add = (label: string, value: string | undefined): void => {
    if (value !== undefined && value.trim() !== '') facts.push({ label, value: line(value, budget) });
  };
  if (!lead?.cluster) add('Resource', lead?.resourceId);
  add('Resource group', lead?.cluster?.resourceGroup);
  add('Subscription', lead?.cluster?.subscriptionId);
  if (n.nodePools.length > 1) add('Node pools', listed(n.nodePools, budget));
  const codes = (lead?.matches ?? []).slice(1).map((m) => m.code);
  if (codes.length > 0) add('Also matched', codes.join(', '));
  add('Source', lead ? `${lead.source}${lead.reason ? ` (${lead.reason})` : ''}` : undefined);
  return [...facts, ...contextFacts(n, budget)];
}

/** "lasted 1 h 5 min" for a resolve whose source says when it fired; undefined otherwise. */
export function lasted(n: Notification): string | undefined {
  const lead = leadOf(n);
  const fired = Date.parse(lead?.attributes.firedAt ?? '');
  const resolved = Date.parse(lead?.attributes.resolvedAt ?? lead?.occurredAt ?? '');
  if (Number.isNaN(fired) || Number.isNaN(resolved) || resolved < fired) return undefined;
  const min = Math.round((resolved - fired) / 60_000);
  if (min < 1) return 'lasted under a minute';
  if (min < 60) return `lasted ${String(min)} min`;
  const h = Math.floor(min / 60);
  const rest = min % 60;
  return `lasted ${String(h)} h${rest > 0 ? ` ${String(rest)} min` : ''}`;
}

/** The one line of a resolved notification. */
export function resolvedLine(n: Notification, budget: TextBudget): string {
  const how = lasted(n) ?? `resolved ${formatTime(n.lastAt || n.firstAt)}`;
  const still = n.stillFiring ? `; ${String(n.stillFiring)} of the group still failing` : '';
  return `${cardTitle(n, budget)} — ${how}${still}`;
}

/** The buttons a card carries, in the order a person reaches for them. */
export function cardLinks(n: Notification, budget: TextBudget): { title: string; url: string }[] {
  const links = linksOf(n, budget, 12);
  const pick = (kind: ViewLink['kind'], test: (l: ViewLink) => boolean = () => true) =>
    links.find((l) => l.kind === kind && test(l));
  const out: { title: string; url: string }[] = [];
  const guide = pick('doc');
  if (guide) out.push({ title: 'Troubleshooting guide', url: guide.url });
  const logs = pick('logs');
  if (logs) out.push({ title: 'Logs', url: logs.url });
  const portal = pick('portal', (l) => !/\/nodePools$/i.test(l.url)) ?? pick('portal');
  if (portal) out.push({ title: 'Portal', url: portal.url });
  const alert = pick('alert');
  if (alert) out.push({ title: 'Alert', url: alert.url });
  return out;
}
