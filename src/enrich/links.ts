import type { FailureLink, FailureMatch, FailureSignal } from '../model.js';
import { allowedLink, DEFAULT_LINK_HOSTS, wellFormed } from '../text.js';

const PORTAL = 'https://portal.azure.com';

/** The Azure portal page of a resource (the portal resolves the tenant from the resource id). */
export function portalResourceUrl(resourceId: string, blade = 'overview'): string {
  const id = resourceId.startsWith('/') ? resourceId : `/${resourceId}`;
  // A lone surrogate (untrusted id) would make encodeURI throw and fail the whole batch.
  return `${PORTAL}/#@/resource${encodeURI(wellFormed(id))}/${blade}`;
}

/**
 * Links an on-call engineer needs: the catalog's documentation for each match (deduplicated),
 * the cluster (or node pool) in the portal, and the source's own link (the query rows, the alert).
 */
export function linksFor(
  signal: FailureSignal,
  matches: readonly FailureMatch[],
  logsLink: FailureLink | undefined,
  linkHosts: readonly string[] = DEFAULT_LINK_HOSTS,
): FailureLink[] {
  const links: FailureLink[] = [];
  const seen = new Set<string>();
  const add = (link: FailureLink): void => {
    if (seen.has(link.url)) return;
    seen.add(link.url);
    links.push(link);
  };
  for (const m of matches) {
    if (m.docUrl) add({ kind: 'doc', title: `Troubleshoot ${m.code}`, url: m.docUrl });
  }
  if (signal.cluster) {
    add({
      kind: 'portal',
      title: `Cluster ${signal.cluster.name} in the Azure portal`,
      url: portalResourceUrl(signal.cluster.resourceId),
    });
    if (signal.nodePool) {
      add({
        kind: 'portal',
        title: `Node pools of ${signal.cluster.name}`,
        url: portalResourceUrl(signal.cluster.resourceId, 'nodePools'),
      });
    }
  } else if (signal.resourceId) {
    add({ kind: 'portal', title: 'Resource in the Azure portal', url: portalResourceUrl(signal.resourceId) });
  }
  if (logsLink) add(logsLink);
  const alertLink = signal.attributes.investigationLink ?? signal.attributes.alertLink;
  if (alertLink && allowedLink(alertLink, linkHosts))
    add({ kind: 'alert', title: 'The alert in Azure Monitor', url: alertLink });
  return links;
}
