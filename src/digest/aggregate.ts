import type { Category, EnrichedFailure, Severity } from '../model.js';
import { SEVERITIES, isNotice } from '../model.js';
import type { HealthCounts } from '../model.js';
import type {
  Digest,
  DigestAction,
  DigestAutoRepair,
  DigestCluster,
  DigestError,
  DigestUncatalogued,
  DigestUnrecognised,
  DigestWindow,
} from '../model.js';
import { DIGEST_SCHEMA_VERSION } from '../model.js';
import { mostSevere, severityRank } from '../model.js';
import type { Environment, EnvironmentRules } from '../render/environment.js';
import { environmentOf, environmentRank } from '../render/environment.js';

/**
 * Bounds of the streaming aggregator. Every table is keyed by something the fleet bounds (clusters,
 * node pools, nodes, catalog codes), never by row: memory grows with the fleet, not with the number
 * of failures. Keys beyond a bound are counted in the totals but not tracked, and the digest says so.
 */
export interface AggregateLimits {
  /** Distinct clusters tracked (per-cluster rows, cluster sets per error). */
  maxClusters: number;
  /** Distinct nodes tracked (distinct-node total, auto-repair per node). */
  maxNodes: number;
  /** Distinct error keys tracked (catalog codes plus one `unmatched:<kind>` per kind). */
  maxErrors: number;
  /** Distinct unrecognised codes tracked. */
  maxUnrecognised: number;
  /** Node pools tracked per cluster, error codes per cluster and per pool. */
  maxPoolsPerCluster: number;
  maxCodesPerCluster: number;
  /** Rows in each rendered list. */
  topK: number;
}

export const DEFAULT_LIMITS: AggregateLimits = {
  maxClusters: 5_000,
  maxNodes: 200_000,
  maxErrors: 2_000,
  maxUnrecognised: 1_000,
  maxPoolsPerCluster: 100,
  maxCodesPerCluster: 200,
  topK: 15,
};

const HOUR_MS = 3_600_000;
const REPAIR_REASON = /^Node(Reboot|Reimage|Redeploy)(Start|End|Error)$/;
const NO_CODE = '(no error code given)';

/** A map that stops taking new keys at `max`, counting what it turned away. */
class BoundedMap<V> {
  readonly map = new Map<string, V>();
  dropped = 0;
  constructor(private readonly max: number) {}
  upsert(key: string, create: () => V): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) return v;
    if (this.map.size >= this.max) {
      this.dropped++;
      return undefined;
    }
    const fresh = create();
    this.map.set(key, fresh);
    return fresh;
  }
}

function bump(counts: Map<string, number>, key: string, max: number, n = 1): void {
  const v = counts.get(key);
  if (v !== undefined) counts.set(key, v + n);
  else if (counts.size < max) counts.set(key, n);
}

function top(counts: Map<string, number>, k: number): { code: string; count: number }[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, k)
    .map(([code, count]) => ({ code, count }));
}

function minIso(a: string, b: string): string {
  return a <= b ? a : b;
}
function maxIso(a: string, b: string): string {
  return a >= b ? a : b;
}

interface ErrorAcc {
  code: string;
  title: string;
  category?: Category;
  severity: Severity;
  count: number;
  previousCount: number;
  clusters: Set<string>;
  production: Set<string>;
  clusterNames: Map<string, number>;
  firstSeen: string;
  lastSeen: string;
  mitigation?: string;
  docUrl?: string;
}

interface PoolAcc {
  count: number;
  codes: Map<string, number>;
  orchestratorVersion?: string;
}

interface ClusterAcc {
  name: string;
  resourceId: string;
  subscriptionId: string;
  resourceGroup: string;
  count: number;
  previousCount: number;
  codes: Map<string, number>;
  pools: BoundedMap<PoolAcc>;
  kubernetesVersion?: string;
  support?: 'ending' | 'ended';
  environment?: Environment;
  firstSeen: string;
  lastSeen: string;
}

interface NodeAcc {
  cluster: string;
  node: string;
  actions: number;
  failures: number;
  /** Hour indexes (from the window start) with repair activity; episodes are runs of adjacent hours. */
  hours: Set<number>;
}

interface UnrecognisedAcc {
  count: number;
  clusters: Set<string>;
  example: string;
}

/**
 * The key a failure is filed under in per-cluster and per-pool counts and the new/recurring table:
 * its best catalog code, else what kind of failure it was.
 */
export function errorKey(f: EnrichedFailure): string {
  return f.matches[0]?.code ?? `unmatched:${f.kind}`;
}

function clusterKey(f: EnrichedFailure): string {
  return f.cluster ? f.cluster.resourceId.toLowerCase() : '(no cluster)';
}

interface UncataloguedAcc {
  kind: string;
  reason?: string;
  count: number;
  clusters: Set<string>;
  example: string;
}

function supportOf(f: EnrichedFailure): 'ending' | 'ended' | undefined {
  if (f.kind !== 'cluster-support') return undefined;
  const what = `${f.reason ?? ''} ${f.title}`;
  return /ended|out of support/i.test(what) ? 'ended' : 'ending';
}

export interface DigestAggregator {
  /** Files one failure under the current window, the previous one, or neither (outside both). */
  add(f: EnrichedFailure): void;
  /** Failures seen so far, per window, and those outside both windows. */
  readonly seen: { current: number; previous: number; outside: number };
  finish(extra?: {
    delivery?: Record<string, HealthCounts>;
    sources?: string[];
    problems?: string[];
    generatedAt?: Date;
  }): Digest;
}

/**
 * A streaming digest over [window.start - length, window.end): failures in the previous window of
 * the same length feed only the trend and new-vs-recurring tables. Pure; feed rows in any order.
 */
export function createDigestAggregator(
  window: DigestWindow,
  limits: AggregateLimits = DEFAULT_LIMITS,
  rules: EnvironmentRules = {},
): DigestAggregator {
  const startMs = Date.parse(window.start);
  const endMs = Date.parse(window.end);
  if (Number.isNaN(startMs) || Number.isNaN(endMs) || endMs <= startMs)
    throw new Error(`digest window ${window.start}..${window.end} is not a valid time range`);
  const lengthMs = endMs - startMs;
  const prevStartMs = startMs - lengthMs;
  const previousWindow = { start: new Date(prevStartMs).toISOString(), end: window.start };
  const hourCount = Math.ceil(lengthMs / HOUR_MS);

  const seen = { current: 0, previous: 0, outside: 0 };
  const totals = { failures: 0, info: 0, resolved: 0 };
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const previous = { failures: 0, clusters: new Set<string>() };
  const currentClusters = new Set<string>();
  // cluster|code pairs per window: bounded by clusters x codes.
  const problems = new BoundedMap<{ current: boolean; previous: boolean }>(limits.maxClusters * 20);
  const nodes = new BoundedMap<true>(limits.maxNodes);
  const errors = new BoundedMap<ErrorAcc>(limits.maxErrors);
  const clusters = new BoundedMap<ClusterAcc>(limits.maxClusters);
  const previousByCode = new Map<string, number>();
  const previousByCluster = new Map<string, number>();
  const hourly = new Map<string, number[]>();
  const repair = {
    actions: { reboot: 0, reimage: 0, redeploy: 0 },
    completed: 0,
    failed: 0,
    byError: new Map<string, number>(),
  };
  const repairNodes = new BoundedMap<NodeAcc>(limits.maxNodes);
  const unrecognised = new BoundedMap<UnrecognisedAcc>(limits.maxUnrecognised);
  const uncatalogued = new BoundedMap<UncataloguedAcc>(limits.maxUnrecognised);
  let unmatched = 0;

  function clusterAcc(f: EnrichedFailure, at: string, env: Environment | undefined): ClusterAcc | undefined {
    const c = f.cluster;
    const acc = clusters.upsert(clusterKey(f), () => ({
      name: c?.name ?? '(no cluster)',
      resourceId: c?.resourceId ?? '',
      subscriptionId: c?.subscriptionId ?? '',
      resourceGroup: c?.resourceGroup ?? '',
      count: 0,
      previousCount: 0,
      codes: new Map(),
      pools: new BoundedMap<PoolAcc>(limits.maxPoolsPerCluster),
      firstSeen: at,
      lastSeen: at,
    }));
    // A later failure may carry the tags an earlier one lacked.
    if (acc && (acc.environment === undefined || f.context?.tags) && env) acc.environment = env;
    return acc;
  }

  function addPrevious(f: EnrichedFailure): void {
    if (f.status !== 'firing' || isNotice(f)) return;
    previous.failures++;
    const ck = clusterKey(f);
    if (previous.clusters.size < limits.maxClusters) previous.clusters.add(ck);
    const code = errorKey(f);
    bump(previousByCode, code, limits.maxErrors);
    bump(previousByCluster, ck, limits.maxClusters);
    const p = problems.upsert(`${ck}|${code}`, () => ({ current: false, previous: false }));
    if (p) p.previous = true;
  }

  function addRepair(f: EnrichedFailure, ms: number): void {
    const m = REPAIR_REASON.exec(f.reason ?? '');
    const action = m?.[1]?.toLowerCase() as 'reboot' | 'reimage' | 'redeploy' | undefined;
    const phase = m?.[2];
    if (action && phase === 'Start') repair.actions[action]++;
    if (phase === 'End') repair.completed++;
    const failed = phase === 'Error' || (phase === undefined && f.status === 'firing');
    if (failed) {
      repair.failed++;
      const code = f.matches[0]?.code ?? f.unrecognised[0] ?? f.errorCodes[0] ?? NO_CODE;
      bump(repair.byError, code, limits.maxErrors);
    }
    if (!f.node || (phase !== 'Start' && !failed)) return;
    const cluster = f.cluster?.name ?? '(no cluster)';
    const n = repairNodes.upsert(`${clusterKey(f)}|${f.node}`, () => ({
      cluster,
      node: f.node ?? '',
      actions: 0,
      failures: 0,
      hours: new Set<number>(),
    }));
    if (!n) return;
    if (phase === 'Start') n.actions++;
    if (failed) n.failures++;
    if (n.hours.size < hourCount + 1) n.hours.add(Math.floor((ms - startMs) / HOUR_MS));
  }

  function addCurrent(f: EnrichedFailure, ms: number): void {
    // Once per failure: the cluster row and the error's production count both need it.
    const env = environmentOf(f.cluster?.name, f.context?.tags, rules);
    if (f.node) nodes.upsert(`${clusterKey(f)}|${f.node}`, () => true);
    if (f.kind === 'node-auto-repair') addRepair(f, ms);
    const ck = clusterKey(f);
    const support = supportOf(f);
    if (support || f.context?.kubernetesVersion) {
      const c = clusterAcc(f, f.occurredAt, env);
      if (c) {
        if (support && c.support !== 'ended') c.support = support;
        const v = f.context?.kubernetesVersion ?? f.attributes.kubernetesVersion;
        if (v) c.kubernetesVersion = v;
      }
    }
    if (f.status === 'resolved') {
      totals.resolved++;
      return;
    }
    if (isNotice(f)) {
      totals.info++;
      return;
    }
    totals.failures++;
    bySeverity[f.severity]++;
    if (currentClusters.size < limits.maxClusters) currentClusters.add(ck);
    const code = errorKey(f);
    const match = f.matches[0];
    const p = problems.upsert(`${ck}|${code}`, () => ({ current: false, previous: false }));
    if (p) p.current = true;

    if (!match) {
      unmatched++;
      // Codes the catalog lacks are listed by code.
      if (f.unrecognised.length === 0) {
        const u = uncatalogued.upsert(`${f.kind}|${f.reason ?? ''}`, () => ({
          kind: f.kind,
          ...(f.reason ? { reason: f.reason } : {}),
          count: 0,
          clusters: new Set<string>(),
          example: f.title,
        }));
        if (u) {
          u.count++;
          if (u.clusters.size < limits.maxClusters) u.clusters.add(ck);
        }
      }
    }
    const e = match
      ? errors.upsert(code, () => ({
          code,
          title: match.title,
          category: match.category,
          severity: f.severity,
          count: 0,
          previousCount: 0,
          clusters: new Set<string>(),
          production: new Set<string>(),
          clusterNames: new Map<string, number>(),
          firstSeen: f.occurredAt,
          lastSeen: f.occurredAt,
          mitigation: match.mitigation,
          ...(match.docUrl ? { docUrl: match.docUrl } : {}),
        }))
      : undefined;
    if (e) {
      e.count++;
      e.severity = mostSevere(e.severity, f.severity);
      if (e.clusters.size < limits.maxClusters) e.clusters.add(ck);
      if (e.production.size < limits.maxClusters && env === 'production') e.production.add(ck);
      if (f.cluster) bump(e.clusterNames, f.cluster.name, limits.maxClusters);
      e.firstSeen = minIso(e.firstSeen, f.occurredAt);
      e.lastSeen = maxIso(e.lastSeen, f.occurredAt);
    }

    const c = clusterAcc(f, f.occurredAt, env);
    if (c) {
      c.count++;
      bump(c.codes, code, limits.maxCodesPerCluster);
      c.firstSeen = minIso(c.firstSeen, f.occurredAt);
      c.lastSeen = maxIso(c.lastSeen, f.occurredAt);
      const poolName = f.nodePool ?? f.context?.nodePool?.name;
      if (poolName) {
        const pool = c.pools.upsert(poolName, () => ({ count: 0, codes: new Map<string, number>() }));
        if (pool) {
          pool.count++;
          bump(pool.codes, code, limits.maxCodesPerCluster);
          const v = f.context?.nodePool?.orchestratorVersion;
          if (v) pool.orchestratorVersion = v;
        }
      }
    }

    const category = f.category ?? match?.category ?? 'other';
    let series = hourly.get(category);
    if (!series) hourly.set(category, (series = new Array<number>(hourCount).fill(0)));
    const h = Math.min(hourCount - 1, Math.floor((ms - startMs) / HOUR_MS));
    series[h] = (series[h] ?? 0) + 1;

    for (const u of f.unrecognised) {
      const acc = unrecognised.upsert(u, () => ({ count: 0, clusters: new Set<string>(), example: f.title }));
      if (acc) {
        acc.count++;
        if (acc.clusters.size < limits.maxClusters) acc.clusters.add(ck);
      }
    }
  }

  return {
    seen,
    add(f) {
      const ms = Date.parse(f.occurredAt);
      if (ms >= startMs && ms < endMs) {
        seen.current++;
        addCurrent(f, ms);
      } else if (ms >= prevStartMs && ms < startMs) {
        seen.previous++;
        addPrevious(f);
      } else seen.outside++;
    },
    finish(extra = {}) {
      let newProblems = 0;
      let recurringProblems = 0;
      for (const p of problems.map.values()) {
        if (!p.current) continue;
        if (p.previous) recurringProblems++;
        else newProblems++;
      }
      const errorList: DigestError[] = [...errors.map.values()]
        .map((e) => {
          const previousCount = previousByCode.get(e.code) ?? 0;
          return {
            code: e.code,
            title: e.title,
            ...(e.category ? { category: e.category } : {}),
            severity: e.severity,
            count: e.count,
            previousCount,
            isNew: previousCount === 0,
            clusters: e.clusters.size,
            productionClusters: e.production.size,
            clusterNames: top(e.clusterNames, 5).map((x) => x.code),
            firstSeen: e.firstSeen,
            lastSeen: e.lastSeen,
            ...(e.mitigation ? { mitigation: e.mitigation } : {}),
            ...(e.docUrl ? { docUrl: e.docUrl } : {}),
          };
        })
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code))
        .slice(0, limits.topK);
      const clusterList: DigestCluster[] = [...clusters.map.entries()]
        .map(([key, c]) => ({
          name: c.name,
          resourceId: c.resourceId,
          subscriptionId: c.subscriptionId,
          resourceGroup: c.resourceGroup,
          count: c.count,
          previousCount: previousByCluster.get(key) ?? 0,
          topErrors: top(c.codes, 5),
          nodePools: [...c.pools.map]
            .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
            .slice(0, 10)
            .map(([name, p]) => ({
              name,
              count: p.count,
              topErrors: top(p.codes, 3),
              ...(p.orchestratorVersion ? { orchestratorVersion: p.orchestratorVersion } : {}),
            })),
          ...(c.kubernetesVersion ? { kubernetesVersion: c.kubernetesVersion } : {}),
          ...(c.support ? { support: c.support } : {}),
          ...(c.environment ? { environment: c.environment } : {}),
          firstSeen: c.firstSeen,
          lastSeen: c.lastSeen,
        }))
        .filter((c) => c.count > 0 || c.support !== undefined)
        // Production first: a failure there outranks a busier development cluster.
        .sort(
          (a, b) =>
            environmentRank(a.environment) - environmentRank(b.environment) ||
            b.count - a.count ||
            a.name.localeCompare(b.name),
        )
        .slice(0, limits.topK);
      const repeated = [...repairNodes.map.values()]
        .map((n) => ({ ...n, episodes: episodes(n.hours) }))
        .filter((n) => n.episodes >= 2)
        .sort((a, b) => b.episodes - a.episodes || b.failures - a.failures || b.actions - a.actions)
        .slice(0, limits.topK)
        .map(({ cluster, node, actions, failures, episodes: ep }) => ({
          cluster,
          node,
          actions,
          failures,
          episodes: ep,
        }));
      const autoRepair: DigestAutoRepair = {
        actions: { ...repair.actions },
        completed: repair.completed,
        failed: repair.failed,
        failedByError: top(repair.byError, limits.topK),
        repeatedNodes: repeated,
      };
      const unrecognisedList: DigestUnrecognised[] = [...unrecognised.map]
        .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
        .slice(0, limits.topK)
        .map(([code, u]) => ({ code, count: u.count, clusters: u.clusters.size, example: u.example }));
      const uncataloguedList: DigestUncatalogued[] = [...uncatalogued.map.values()]
        .sort(
          (a, b) =>
            b.count - a.count || `${a.kind}|${a.reason ?? ''}`.localeCompare(`${b.kind}|${b.reason ?? ''}`),
        )
        .slice(0, limits.topK)
        .map((u) => ({
          kind: u.kind,
          ...(u.reason ? { reason: u.reason } : {}),
          count: u.count,
          clusters: u.clusters.size,
          example: u.example,
        }));
      const hours = Array.from({ length: hourCount }, (_, i) =>
        new Date(startMs + i * HOUR_MS).toISOString(),
      );
      const series = [...hourly]
        .sort((a, b) => sum(b[1]) - sum(a[1]) || a[0].localeCompare(b[0]))
        .map(([category, counts]) => ({ category, counts }));
      const truncated: string[] = [];
      const note = (what: string, n: number, max: number) => {
        if (n > 0)
          truncated.push(
            `${what}: more than ${String(max)} tracked; ${String(n)} rows beyond that counted in totals only`,
          );
      };
      note('clusters', clusters.dropped, limits.maxClusters);
      note('nodes', nodes.dropped + repairNodes.dropped, limits.maxNodes);
      note('error codes', errors.dropped, limits.maxErrors);
      note('unrecognised codes', unrecognised.dropped, limits.maxUnrecognised);
      note('failures without a catalog entry', uncatalogued.dropped, limits.maxUnrecognised);
      note('cluster/error pairs', problems.dropped, limits.maxClusters * 20);
      const delivery = Object.entries(extra.delivery ?? {})
        .map(([receiver, counts]) => ({ receiver, ...counts }))
        .sort((a, b) => a.receiver.localeCompare(b.receiver));
      const trendPercent =
        previous.failures > 0
          ? Math.round(((totals.failures - previous.failures) / previous.failures) * 1000) / 10
          : undefined;
      return {
        schemaVersion: DIGEST_SCHEMA_VERSION,
        generatedAt: (extra.generatedAt ?? new Date()).toISOString(),
        window: { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() },
        previousWindow,
        totals: {
          failures: totals.failures,
          info: totals.info,
          resolved: totals.resolved,
          clusters: currentClusters.size,
          nodes: nodes.map.size,
          bySeverity: { ...bySeverity },
          unmatched,
          newProblems,
          recurringProblems,
          previous: { failures: previous.failures, clusters: previous.clusters.size },
          ...(trendPercent !== undefined ? { trendPercent } : {}),
        },
        hourly: { hours, series },
        errors: errorList,
        doFirst: doFirstOf(errorList),
        clusters: clusterList,
        autoRepair,
        unrecognised: unrecognisedList,
        uncatalogued: uncataloguedList,
        delivery,
        sources: extra.sources ?? [],
        problems: extra.problems ?? [],
        truncated,
      };
    },
  };
}

/** The three actions to take first: most severe, then on most production clusters, most clusters, most often. */
function doFirstOf(errors: readonly DigestError[]): DigestAction[] {
  return errors
    .filter((e) => e.mitigation)
    .sort(
      (a, b) =>
        severityRank(a.severity) - severityRank(b.severity) ||
        (b.productionClusters ?? 0) - (a.productionClusters ?? 0) ||
        b.clusters - a.clusters ||
        b.count - a.count ||
        a.code.localeCompare(b.code),
    )
    .slice(0, 3)
    .map((e) => ({
      code: e.code,
      severity: e.severity,
      action: e.mitigation ?? '',
      count: e.count,
      clusters: e.clusters,
      productionClusters: e.productionClusters ?? 0,
      clusterNames: e.clusterNames,
      ...(e.docUrl ? { docUrl: e.docUrl } : {}),
    }));
}

function sum(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Runs of adjacent hours: an auto-repair sequence takes up to an hour, so a gap means a new episode. */
function episodes(hours: Set<number>): number {
  const sorted = [...hours].sort((a, b) => a - b);
  let n = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const h of sorted) {
    if (h > last + 1) n++;
    last = h;
  }
  return n;
}
