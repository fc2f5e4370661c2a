import type { HealthCounts } from '../../state/deliveryHealth.js';
import type { Digest, DigestError } from '../digest.js';

/** '+12.5% vs previous day' style trend text. */
export function trendText(d: Digest): string {
  const t = d.totals.trendPercent;
  if (t === undefined)
    return d.totals.previous.failures === 0 && d.totals.failures > 0
      ? 'none in the previous window'
      : 'no change';
  if (t === 0) return 'same as the previous window';
  return `${t > 0 ? '+' : ''}${String(t)}% vs the previous window (${String(d.totals.previous.failures)})`;
}

/** A readable name for an error key (`unmatched:<kind>` keys spelled out). */
export function errorLabel(e: Pick<DigestError, 'code'>): string {
  return e.code.startsWith('unmatched:') ? `Unmatched ${e.code.slice('unmatched:'.length)}` : e.code;
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
