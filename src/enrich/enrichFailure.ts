import type { ClusterContext, EnrichedFailure, FailureLink, FailureMatch, FailureSignal } from '../model.js';
import { ENRICHED_FAILURE_SCHEMA_VERSION } from '../model.js';
import { failureIdentity, fingerprintOf } from './fingerprint.js';
import { linksFor } from './links.js';
import { decideCategory, decideSeverity } from './severity.js';
import type { CatalogLookup } from '../ports.js';

/** What I/O at the edge found out about the signal before enrichment. */
export interface EnrichmentExtras {
  context?: ClusterContext;
  /** Why context is missing (403, 404, not an AKS resource, look-ups disabled). */
  contextError?: string;
  duringUpgrade?: boolean;
  /** A Log Analytics deep link to the rows behind the signal. */
  logsLink?: FailureLink;
  /** Hosts a payload's own link may point at (LINK_HOST_ALLOW_LIST); the default list when absent. */
  linkHosts?: readonly string[];
}

/**
 * The text the catalog is asked about: the signal's structured codes in the ARM `Code="…"` form
 * (most specific first, as the source ordered them), then its raw texts. One matcher pass ranks
 * them all, so a specific entry (an extension exit status) outranks a generic wrapper code
 * wherever each came from. The cluster's or node pool's provisioning error from ARM stands in
 * when a failing signal carried no error of its own (a NodePoolRollingFailed event, say).
 */
export function matchInput(signal: FailureSignal, context: ClusterContext | undefined): string {
  const parts = signal.errorCodes.map((code) => `Code="${code}"`);
  parts.push(...signal.texts);
  if (parts.length === 0 && signal.status === 'firing') {
    const err = context?.nodePool?.provisioningError ?? context?.provisioningError;
    if (err?.code || err?.message) parts.push(`Code="${err.code ?? ''}" Message="${err.message ?? ''}"`);
  }
  return parts.join('\n');
}

function describe(signal: FailureSignal, primary: FailureMatch | undefined): string {
  const where = [
    signal.node ? `node ${signal.node}` : undefined,
    signal.nodePool ? `node pool ${signal.nodePool}` : undefined,
    signal.cluster ? `cluster ${signal.cluster.name}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const head = where ? `${signal.title} (${where}).` : `${signal.title}.`;
  if (!primary) return head;
  return `${head} ${primary.code}: ${primary.meaning}`;
}

/** FailureSignal -> EnrichedFailure. Pure: every look-up result arrives in `extras`. */
export function enrichFailure(
  signal: FailureSignal,
  catalog: CatalogLookup,
  extras: EnrichmentExtras = {},
): EnrichedFailure {
  const input = matchInput(signal, extras.context);
  const { matches, unrecognised, errorKey } = input
    ? catalog.matchText(input)
    : { matches: [], unrecognised: [], errorKey: undefined };
  const primary = matches[0];
  const identity = failureIdentity(signal, errorKey ?? primary?.code ?? unrecognised[0]);
  const category = decideCategory(signal, primary);
  const enriched: EnrichedFailure = {
    schemaVersion: ENRICHED_FAILURE_SCHEMA_VERSION,
    fingerprint: fingerprintOf(identity),
    source: signal.source,
    kind: signal.kind,
    sourceId: signal.sourceId,
    status: signal.status,
    occurredAt: signal.occurredAt,
    title: signal.title,
    summary: describe(signal, primary),
    severity: decideSeverity(signal, primary),
    matches,
    unrecognised,
    links: linksFor(signal, matches, extras.logsLink, extras.linkHosts),
    texts: signal.texts,
    errorCodes: signal.errorCodes,
    attributes: signal.attributes,
  };
  if (signal.cluster) enriched.cluster = signal.cluster;
  if (signal.resourceId) enriched.resourceId = signal.resourceId;
  if (signal.nodePool) enriched.nodePool = signal.nodePool;
  if (signal.node) enriched.node = signal.node;
  if (signal.reason) enriched.reason = signal.reason;
  if (category) enriched.category = category;
  if (extras.context) enriched.context = extras.context;
  if (extras.contextError) enriched.contextError = extras.contextError;
  if (extras.duringUpgrade) enriched.duringUpgrade = true;
  if (signal.correlationId) enriched.correlationId = signal.correlationId;
  if (signal.workspaceId) enriched.workspaceId = signal.workspaceId;
  return enriched;
}
