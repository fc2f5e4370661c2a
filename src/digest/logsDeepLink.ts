import { readAsset } from '../assets.js';
import { logsDeepLink } from '../enrich/logsLink.js';
import { kqlDatetime } from '../azure/kql.js';
import type { Digest } from '../model.js';

export { logsDeepLink };

export const DIGEST_QUERY_NAMES = ['failuresByHour', 'autoRepair', 'failedOperations'] as const;
export type DigestQueryName = (typeof DIGEST_QUERY_NAMES)[number];

/** A section's query (src/digest/kql/<name>.kql) bound to the window. */
export function digestQuery(name: DigestQueryName, start: Date, end: Date): string {
  const t = readAsset(`src/digest/kql/${name}.kql`);
  return t
    .replace(/^let windowStart = .*;$/m, `let windowStart = ${kqlDatetime(start)};`)
    .replace(/^let windowEnd = .*;$/m, `let windowEnd = ${kqlDatetime(end)};`);
}

/**
 * The scope fleet-wide links run in: the configured one (a workspace resource id or a subscription),
 * else the one subscription every listed cluster is in. Resource-context queries at a subscription
 * scope read every workspace its clusters send to.
 */
export function fleetScope(digest: Digest, configured: string | undefined): string | undefined {
  if (configured) return configured;
  const subs = new Set(digest.clusters.map((c) => c.subscriptionId.toLowerCase()).filter((s) => s !== ''));
  const [only] = subs;
  return subs.size === 1 && only ? `/subscriptions/${only}` : undefined;
}

/** The digest with a Log Analytics deep link on each section (fleet scope) and each cluster (its own). */
export function withLogsLinks(digest: Digest, configuredScope?: string): Digest {
  const start = new Date(digest.window.start);
  const end = new Date(digest.window.end);
  const scope = fleetScope(digest, configuredScope);
  const link = (s: string, name: DigestQueryName) =>
    logsDeepLink(s, digestQuery(name, start, end), start, end);
  const out: Digest = {
    ...digest,
    clusters: digest.clusters.map((c) =>
      c.resourceId ? { ...c, logsUrl: link(c.resourceId, 'failuresByHour') } : c,
    ),
  };
  if (scope) {
    out.logsUrl = link(scope, 'failuresByHour');
    out.autoRepair = { ...digest.autoRepair, logsUrl: link(scope, 'autoRepair') };
    const ops = link(scope, 'failedOperations');
    const repairs = out.autoRepair.logsUrl;
    const all = out.logsUrl;
    out.errors = digest.errors.map((e) => ({
      ...e,
      logsUrl: e.category === 'auto-repair' ? repairs : e.category === 'autoscaler' ? all : ops,
    }));
  }
  return out;
}
