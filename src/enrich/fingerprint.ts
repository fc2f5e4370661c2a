import { createHash } from 'node:crypto';
import type { FailureSignal } from '../model.js';
import { clusterKey } from '../azure/armId.js';

/**
 * The identity of a failure, independent of which source reported it and of its status, so a
 * failed agent-pool upgrade seen in AzureActivity, in an Event Grid NodePoolRollingFailed event and
 * in an activity-log alert gets one fingerprint, and a resolve pairs with its trigger.
 *
 * Parts: where (cluster or other resource), how narrow (node, else node pool, else the whole
 * resource), and what (the primary error code, else the source's reason, else the kind).
 */
export function failureIdentity(
  signal: Pick<FailureSignal, 'cluster' | 'resourceId' | 'nodePool' | 'node' | 'reason' | 'kind'>,
  primaryCode: string | undefined,
): string[] {
  const where = signal.cluster
    ? clusterKey(signal.cluster)
    : (signal.resourceId?.toLowerCase() ?? 'unknown-resource');
  const scope = signal.node
    ? `node:${signal.node.toLowerCase()}`
    : signal.nodePool
      ? `pool:${signal.nodePool.toLowerCase()}`
      : 'resource';
  const what = primaryCode
    ? `code:${primaryCode.toLowerCase()}`
    : signal.reason
      ? `reason:${signal.kind}:${signal.reason.toLowerCase()}`
      : `kind:${signal.kind}`;
  return [where, scope, what];
}

/** A short, stable, URL- and key-safe fingerprint (32 hex chars of SHA-256). */
export function fingerprintOf(identity: readonly string[]): string {
  return createHash('sha256').update(identity.join('\n')).digest('hex').slice(0, 32);
}
