import type { HealthCounts } from '../../model.js';
import type { Digest, DigestError, DigestUncatalogued } from '../../model.js';

/** '+12.5% vs previous day' style trend text. */
export function trendText(d: Digest): string {
  const t = d.totals.trendPercent;
  if (t === undefined)
    return d.totals.previous.failures === 0 && d.totals.failures > 0
      ? 'none in the previous window'
      : 'no change';
  if (t === 0) return 'same as the previous window';
  // The headline already stands in parentheses: no second pair inside.
  return `${t > 0 ? '+' : ''}${String(t)}% vs ${String(d.totals.previous.failures)} in the previous window`;
}

/** A readable name for an error key (`unmatched:<kind>` keys of per-cluster counts spelled out). */
export function errorLabel(e: Pick<DigestError, 'code'>): string {
  if (!e.code.startsWith('unmatched:')) return e.code;
  const kind = e.code.slice('unmatched:'.length);
  return kind === 'cluster-support' ? 'Kubernetes support notice' : `${kind} (no catalog entry)`;
}

/** No failures and no resolves: the window is one line (and any support notices). */
export const isQuiet = (d: Digest): boolean => d.totals.failures === 0 && d.totals.resolved === 0;

/**
 * Clusters whose Kubernetes support is ending or ended, a line each. Those notices are no failures,
 * so a window can be quiet and still carry them: said on the quiet page too.
 */
export function supportNotices(d: Digest): string[] {
  return d.clusters
    .filter((c) => c.support !== undefined)
    .map(
      (c) =>
        `${c.name}${c.environment === 'production' ? ' (production)' : ''}: Kubernetes ${c.kubernetesVersion ?? '(version unknown)'} ${supportText(c.support)}`,
    );
}

/** '1 episode', '2 episodes'. */
export function counted(n: number, noun: string): string {
  return `${String(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** ' (2 production)' after a count of clusters; nothing when none is production. */
export function productionNote(n: number | undefined): string {
  return n !== undefined && n > 0 ? ` (${String(n)} production)` : '';
}

/** What failures no catalog entry matched were, e.g. 'autoscaler NotTriggerScaleUp'. */
export function uncataloguedLabel(u: Pick<DigestUncatalogued, 'kind' | 'reason'>): string {
  // A reason that only names the component ('cluster-autoscaler' log lines) adds nothing to the kind.
  return u.reason && !u.reason.toLowerCase().includes(u.kind) ? `${u.kind} ${u.reason}` : u.kind;
}

/** What the catalog is missing, one entry each: codes it does not know, then failures without a code. */
export function catalogGaps(d: Digest): { what: string; count: number }[] {
  return [
    ...d.unrecognised.map((u) => ({ what: `Unknown code ${u.code}`, count: u.count })),
    ...d.uncatalogued.map((u) => ({ what: `No entry: ${uncataloguedLabel(u)}`, count: u.count })),
  ];
}

/** The line under the top errors that says where the failures without a catalog entry went. */
export function unmatchedNote(d: Digest): string | undefined {
  const n = d.totals.unmatched;
  if (n === 0) return undefined;
  return `${counted(n, 'failure')} matched no catalog entry and ${n === 1 ? 'is' : 'are'} not listed here: see what the catalog is missing.`;
}

export function windowText(d: Digest): string {
  const s = d.window.start.replace('T', ' ').replace(/:00\.000Z$/, ' UTC');
  const e = d.window.end.replace('T', ' ').replace(/:00\.000Z$/, ' UTC');
  return `${s} to ${e}`;
}

export function headline(d: Digest): string {
  const t = d.totals;
  return `${String(t.failures)} AKS failures on ${String(t.clusters)} cluster${t.clusters === 1 ? '' : 's'} (${trendText(d)})`;
}

export function supportText(s: 'ending' | 'ended' | undefined): string {
  return s === 'ended' ? 'out of support' : s === 'ending' ? 'support ending' : '';
}

/**
 * A receiver's delivery health in one line: what was sent, retried and dead-lettered, and what was
 * kept back on purpose (held for auto-repair, suppressed as a repeat, silenced).
 */
export function deliveryText(h: HealthCounts): string {
  return [
    `${String(h.delivered)} sent`,
    `${String(h.retried)} retried`,
    `${String(h.deadLettered)} dead-lettered`,
    `${String(h.held)} held`,
    `${String(h.suppressed)} suppressed`,
    `${String(h.silenced)} silenced`,
  ].join(' · ');
}
