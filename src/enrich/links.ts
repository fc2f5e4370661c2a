import type { FailureLink, FailureMatch, FailureSignal } from '../model.js';

const PORTAL = 'https://portal.azure.com';

/** Hosts a payload's own link may point at unless LINK_HOST_ALLOW_LIST says otherwise. */
export const DEFAULT_LINK_HOSTS: readonly string[] = ['portal.azure.com', 'learn.microsoft.com'];

/**
 * Whether a link taken from a payload may become a button: https, no credentials, no port, and a host
 * on the allow-list (`*.example.com` allows subdomains). Anyone who can post an alert chooses this
 * link, and a reader trusts a button in a paging message.
 */
export function allowedLink(value: string, hosts: readonly string[] = DEFAULT_LINK_HOSTS): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return false;
  const host = url.hostname.toLowerCase();
  return hosts.some((h) => {
    const allowed = h.trim().toLowerCase();
    return allowed.startsWith('*.') ? host.endsWith(allowed.slice(1)) : host === allowed;
  });
}

/** The Azure portal page of a resource (the portal resolves the tenant from the resource id). */
export function portalResourceUrl(resourceId: string, blade = 'overview'): string {
  const id = resourceId.startsWith('/') ? resourceId : `/${resourceId}`;
  return `${PORTAL}/#@/resource${encodeURI(id)}/${blade}`;
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
