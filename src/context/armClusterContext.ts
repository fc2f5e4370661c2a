import type {
  AgentPool,
  ContainerServiceClient,
  ContainerServiceClientOptionalParams,
  ErrorDetail,
  ManagedCluster,
} from '@azure/arm-containerservice';
import { clusterKey } from '../azure/armId.js';
import type { ClusterContext, ClusterRef } from '../model.js';
import type { ContextPort } from '../ports.js';
import type { ArmCredential } from './clusterContext.js';
import { createContainerServiceClient } from './clusterContext.js';

export type { ArmCredential } from './clusterContext.js';

export interface ArmClusterContextOptions {
  credential: ArmCredential;
  /** Resource Manager endpoint (ARM_ENDPOINT); the public cloud when absent. */
  endpoint?: string;
  /** Passed to every client (TLS trust, retry policy, user agent). */
  clientOptions?: ContainerServiceClientOptionalParams;
  /** How long a look-up answer is reused: one run of the function, not the life of the process. */
  cacheTtlMs?: number;
  now?: () => number;
}

export type ContextAnswer = Awaited<ReturnType<ContextPort['get']>>;

/** What ARM answered, reduced to what decides the outcome. */
interface ArmFailure {
  status?: number;
  code?: string;
}

const DEFAULT_TTL_MS = 60_000;
/** ErrorDetail trees can be deep; what enrichment matches needs only the first levels. */
const MAX_DETAILS = 8;

function failureOf(err: unknown): ArmFailure {
  if (typeof err !== 'object' || err === null) return {};
  const e = err as { statusCode?: unknown; code?: unknown; name?: unknown };
  const out: ArmFailure = {};
  if (typeof e.statusCode === 'number') out.status = e.statusCode;
  if (typeof e.code === 'string') out.code = e.code;
  else if (typeof e.name === 'string') out.code = e.name;
  return out;
}

/**
 * One look-up failure as the pipeline reports it. Permission and not-found problems are permanent
 * (a retry cannot fix them); throttling, server errors and network failures are transient.
 */
export function describeArmFailure(err: unknown, what: string): { error: string; transient: boolean } {
  const f = failureOf(err);
  const code = f.code ? ` ${f.code}` : '';
  if (f.status === 403)
    return {
      error: `ARM denied reading ${what} (403${code}): grant the app's managed identity the Reader role on the cluster`,
      transient: false,
    };
  if (f.status === 401)
    return {
      error: `ARM rejected the app's credentials reading ${what} (401${code}): check the managed identity and its token audience`,
      transient: false,
    };
  if (f.status === 404) return { error: `${what} was not found in ARM (deleted?)`, transient: false };
  if (f.status === 429) return { error: `ARM throttled reading ${what} (429)`, transient: true };
  if (f.status !== undefined && f.status >= 500)
    return { error: `ARM answered ${String(f.status)}${code} reading ${what}`, transient: true };
  if (f.status !== undefined)
    return { error: `ARM answered ${String(f.status)}${code} reading ${what}`, transient: false };
  if (f.code === 'CredentialUnavailableError')
    return {
      error: `no credential to read ${what} from ARM (managed identity not available)`,
      transient: false,
    };
  // No HTTP answer at all: connection refused, reset, DNS, a token endpoint that timed out.
  return {
    error: `ARM could not be reached reading ${what}${f.code ? ` (${f.code})` : ''}`,
    transient: true,
  };
}

function detailText(d: ErrorDetail, depth: number, out: string[]): void {
  for (const child of d.details ?? []) {
    if (out.length >= MAX_DETAILS) return;
    if (child.code || child.message) out.push(`Code="${child.code ?? ''}" Message="${child.message ?? ''}"`);
    if (depth < 3) detailText(child, depth + 1, out);
  }
}

/** ARM's ErrorDetail as the context carries it; nested details join the message so their codes can match. */
export function provisioningErrorOf(
  e: ErrorDetail | undefined,
): { code?: string; message?: string } | undefined {
  if (!e || (!e.code && !e.message && !e.details?.length)) return undefined;
  const out: { code?: string; message?: string } = {};
  if (e.code) out.code = e.code;
  const details: string[] = [];
  detailText(e, 0, details);
  const message = [e.message, ...details].filter(Boolean).join(' ');
  if (message) out.message = message;
  return out;
}

export function clusterContextOf(mc: ManagedCluster): ClusterContext {
  const ctx: ClusterContext = {};
  const version = mc.currentKubernetesVersion ?? mc.kubernetesVersion;
  if (version) ctx.kubernetesVersion = version;
  if (mc.provisioningState) ctx.provisioningState = mc.provisioningState;
  if (mc.powerState?.code) ctx.powerState = mc.powerState.code;
  if (mc.location) ctx.location = mc.location;
  const err = provisioningErrorOf(mc.status?.provisioningError);
  if (err) ctx.provisioningError = err;
  if (mc.tags && Object.keys(mc.tags).length > 0) ctx.tags = { ...mc.tags };
  return ctx;
}

export function nodePoolContextOf(name: string, ap: AgentPool): NonNullable<ClusterContext['nodePool']> {
  const pool: NonNullable<ClusterContext['nodePool']> = { name: ap.name ?? name };
  if (ap.vmSize) pool.vmSize = ap.vmSize;
  if (ap.mode) pool.mode = ap.mode;
  if (ap.osType) pool.osType = ap.osType;
  const version = ap.currentOrchestratorVersion ?? ap.orchestratorVersion;
  if (version) pool.orchestratorVersion = version;
  if (ap.provisioningState) pool.provisioningState = ap.provisioningState;
  const err = provisioningErrorOf(ap.status?.provisioningError);
  if (err) pool.provisioningError = err;
  if (typeof ap.count === 'number') pool.count = ap.count;
  if (ap.enableAutoScaling !== undefined) {
    const autoscaling: { enabled: boolean; min?: number; max?: number } = { enabled: ap.enableAutoScaling };
    if (typeof ap.minCount === 'number') autoscaling.min = ap.minCount;
    if (typeof ap.maxCount === 'number') autoscaling.max = ap.maxCount;
    pool.autoscaling = autoscaling;
  }
  return pool;
}

type Fetch<T> = { ok: true; value: T } | { ok: false; error: string; transient: boolean };

/**
 * Cluster context from Resource Manager through the ContainerServiceClient: one client per
 * subscription, one read per cluster and per node pool within the cache window. Transient
 * failures are not cached, so the next signal (or the redelivered batch) asks again.
 */
export function createArmClusterContext(options: ArmClusterContextOptions): ContextPort {
  const ttl = options.cacheTtlMs ?? DEFAULT_TTL_MS;
  const now = options.now ?? Date.now;
  const clients = new Map<string, ContainerServiceClient>();
  const cache = new Map<string, { at: number; answer: Promise<Fetch<unknown>> }>();

  const clientFor = (subscriptionId: string): ContainerServiceClient => {
    const key = subscriptionId.toLowerCase();
    let client = clients.get(key);
    if (!client) {
      client = createContainerServiceClient(
        subscriptionId,
        options.credential,
        options.endpoint,
        options.clientOptions,
      );
      clients.set(key, client);
    }
    return client;
  };

  function cached<T>(key: string, what: string, read: () => Promise<T>): Promise<Fetch<T>> {
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttl) return hit.answer as Promise<Fetch<T>>;
    const answer: Promise<Fetch<T>> = read().then(
      (value) => ({ ok: true as const, value }),
      (err: unknown) => ({ ok: false as const, ...describeArmFailure(err, what) }),
    );
    cache.set(key, { at: now(), answer });
    void answer.then((r) => {
      if (!r.ok && r.transient && cache.get(key)?.answer === answer) cache.delete(key);
    });
    return answer;
  }

  return {
    async get(cluster: ClusterRef, nodePool?: string): Promise<ContextAnswer> {
      const client = clientFor(cluster.subscriptionId);
      const ck = clusterKey(cluster);
      const mc = cached(ck, `cluster ${cluster.name}`, () =>
        client.managedClusters.get(cluster.resourceGroup, cluster.name),
      );
      const ap = nodePool
        ? cached(`${ck}|${nodePool.toLowerCase()}`, `node pool ${nodePool} of cluster ${cluster.name}`, () =>
            client.agentPools.get(cluster.resourceGroup, cluster.name, nodePool),
          )
        : undefined;
      const [m, a] = await Promise.all([mc, ap]);
      if (!m.ok) return m;
      const context = clusterContextOf(m.value);
      if (a && nodePool) {
        // A pool that is gone or hidden (404, 403) still leaves the cluster's context worth having;
        // a transient failure is returned whole, so a redelivery can fetch both.
        if (!a.ok && a.transient) return a;
        if (!a.ok) return { ok: true, context, error: a.error };
        context.nodePool = nodePoolContextOf(nodePool, a.value);
      }
      return { ok: true, context };
    },
  };
}
