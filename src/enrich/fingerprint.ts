import { createHash } from 'node:crypto';
import type { FailureSignal } from '../model.js';
import { clusterKey } from '../azure/armId.js';

/** How many words of a message tell it apart from another (the variable tail adds nothing). */
const SHAPE_WORDS = 16;
/** How much of a message is read for its shape: the words come first, long texts are JSON or logs. */
const SHAPE_CHARS = 2000;

/**
 * A message with what varies between occurrences of one failure left out: the words made of
 * letters only, lower case, in order (node, pod and scale set names, numbers, times and ids all
 * hold digits or separators). "Failed to drain node aks-batch-35950315-vmss000004: pods remaining
 * after timeout: batch/ingest-f6ccd" is "failed to drain node pods remaining after timeout".
 */
export function messageShape(text: string): string {
  const words: string[] = [];
  for (const raw of text.slice(0, SHAPE_CHARS).toLowerCase().split(/\s+/)) {
    // Quadratic in one token's length at worst: SHAPE_CHARS keeps that to about 2 ms.
    const word = raw.replace(/^[^a-z]+|[^a-z]+$/g, '');
    if (!/^[a-z]+(?:'[a-z]+)?$/.test(word)) continue;
    words.push(word);
    if (words.length === SHAPE_WORDS) break;
  }
  return words.join(' ');
}

/**
 * The identity of a failure, independent of which source reported it, when and with what status,
 * so a failed agent-pool upgrade seen in AzureActivity, in an Event Grid NodePoolRollingFailed event
 * and in an activity-log alert gets one fingerprint, and a resolve pairs with its trigger; two
 * different failures never share one.
 *
 * Parts: where (cluster or other resource), how narrow (node, else node pool, else the whole
 * resource), and what: the error (the primary catalog code, else the first code the catalog does
 * not know), else for an alert its rule and dimensions (the source's reason), else the shape of the
 * message, else the source's reason, else the kind.
 */
export function failureIdentity(
  signal: Pick<
    FailureSignal,
    'cluster' | 'resourceId' | 'nodePool' | 'node' | 'reason' | 'kind' | 'texts' | 'title'
  >,
  errorCode: string | undefined,
): string[] {
  const where = signal.cluster
    ? clusterKey(signal.cluster)
    : (signal.resourceId?.toLowerCase() ?? 'unknown-resource');
  const scope = signal.node
    ? `node:${signal.node.toLowerCase()}`
    : signal.nodePool
      ? `pool:${signal.nodePool.toLowerCase()}`
      : 'resource';
  return [where, scope, what(signal, errorCode)];
}

function what(
  signal: Pick<FailureSignal, 'reason' | 'kind' | 'texts' | 'title'>,
  errorCode: string | undefined,
): string {
  if (errorCode) return `code:${errorCode.toLowerCase()}`;
  // An alert's rule and dimensions name its instance; its texts are the rule's, the same on resolve.
  if (signal.kind === 'alert' && signal.reason) return `reason:${signal.kind}:${signal.reason.toLowerCase()}`;
  const shape = messageShape(signal.texts[0] ?? signal.title);
  if (shape) return `text:${shape}`;
  return signal.reason ? `reason:${signal.kind}:${signal.reason.toLowerCase()}` : `kind:${signal.kind}`;
}

/** A short, stable, URL- and key-safe fingerprint (32 hex chars of SHA-256). */
export function fingerprintOf(identity: readonly string[]): string {
  return createHash('sha256').update(identity.join('\n')).digest('hex').slice(0, 32);
}
