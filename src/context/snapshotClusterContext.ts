import type { ManagedCluster } from '@azure/arm-containerservice';
import type { ContextPort } from '../ports.js';
import { clusterKey } from '../azure/armId.js';
import { clusterContextOf, nodePoolContextOf } from './armClusterContext.js';

/**
 * Cluster context from a saved list of managed clusters, as `az aks list -o json` prints it (the
 * ARM model with properties flattened, node pools as agentPoolProfiles): the bundled sample fleet's
 * stand-in for Resource Manager, read the way the ARM look-up reads a live cluster.
 */
export function snapshotClusterContext(clusters: readonly ManagedCluster[]): ContextPort {
  const byKey = new Map<string, ManagedCluster>();
  for (const mc of clusters) if (mc.id) byKey.set(clusterKey({ resourceId: mc.id }), mc);
  return {
    get(cluster, nodePool) {
      const mc = byKey.get(clusterKey(cluster));
      if (!mc)
        return Promise.resolve({
          ok: false,
          error: `cluster ${cluster.name} is not in the saved cluster list`,
          transient: false,
        });
      const context = clusterContextOf(mc);
      const pool = nodePool ? mc.agentPoolProfiles?.find((p) => p.name === nodePool) : undefined;
      // An agentPoolProfiles entry carries the fields of the AgentPool the ARM look-up reads.
      if (pool && nodePool) context.nodePool = nodePoolContextOf(nodePool, pool);
      return Promise.resolve({ ok: true, context });
    },
  };
}
