/**
 * The product's shared domain types. Every input is parsed into a `FailureSignal` at the edge;
 * `enrich` turns it into an `EnrichedFailure`; sinks, routing and the digest consume only that.
 */

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
/** Ordered most to least severe; PagerDuty's four levels, used everywhere. */
export type Severity = (typeof SEVERITIES)[number];

/** Lower index = more severe. */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export const mostSevere = (a: Severity, b: Severity): Severity =>
  severityRank(a) <= severityRank(b) ? a : b;

export const CATEGORIES = [
  'auth',
  'capacity',
  'quota',
  'networking',
  'dns',
  'policy',
  'throttling',
  'upgrade',
  'provisioning',
  'vm-extension',
  'auto-repair',
  'autoscaler',
  'connectivity',
  'configuration',
  'maintenance',
  'lifecycle',
  'platform',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Where a signal came from. */
export const SIGNAL_SOURCES = [
  'kube-events', // Container Insights KubeEvents (auto-repair, autoscaler events)
  'activity-log', // AzureActivity failed Microsoft.ContainerService operations
  'autoscaler-log', // AKSControlPlane / AzureDiagnostics cluster-autoscaler category
  'event-grid', // Event Grid / CloudEvents deliveries
  'common-alert', // Azure Monitor action group webhook (common alert schema)
] as const;
export type SignalSource = (typeof SIGNAL_SOURCES)[number];

/**
 * What kind of thing happened. Routing, grouping, suppression and the digest key on this.
 * - node-auto-repair: an auto-repair action (Start/End/Error) on a node
 * - operation-failed: a failed ARM operation on a cluster or agent pool
 * - autoscaler: a cluster-autoscaler failure or warning
 * - nodepool-rolling: NodePoolRolling{Started,Succeeded,Failed}
 * - cluster-support: ClusterSupportEnding/Ended advisories
 * - kubernetes-version: NewKubernetesVersionAvailable
 * - scheduled-event: platform maintenance notices
 * - resource-failure: Microsoft.Resources.Resource*Failure on an AKS resource
 * - alert: an Azure Monitor alert (metric, log search, resource health) without a more specific kind
 */
export const SIGNAL_KINDS = [
  'node-auto-repair',
  'operation-failed',
  'autoscaler',
  'nodepool-rolling',
  'cluster-support',
  'kubernetes-version',
  'scheduled-event',
  'resource-failure',
  'alert',
] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/** firing: a failure; resolved: a failure has cleared; info: recorded, not paged by default. */
export type SignalStatus = 'firing' | 'resolved' | 'info';

/**
 * Notices are what AKS tells you when nothing has failed: node auto-repair started or finished, a
 * node pool rolling started or succeeded, scheduled maintenance, a new Kubernetes version, support
 * ending or ended. They are counted and shown apart from failures; a support notice still fires (it
 * is sent), but it is no failure.
 */
export function isNotice(f: Pick<FailureSignal, 'kind' | 'status'>): boolean {
  return f.status === 'info' || f.kind === 'cluster-support' || f.kind === 'kubernetes-version';
}

/** An AKS managed cluster as named by its ARM resource id. */
export interface ClusterRef {
  /** ARM resource id of the managed cluster, as received (case preserved). */
  resourceId: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/** One failure signal from any source, before enrichment. Plain data, JSON-serialisable. */
export interface FailureSignal {
  source: SignalSource;
  kind: SignalKind;
  /**
   * Stable identity of the input item within its source, used for idempotency:
   * a Log Analytics row identity, an Event Grid event id, an alert id + condition.
   */
  sourceId: string;
  /** ISO 8601 time the failure happened (event time, TimeGenerated, firedDateTime). */
  occurredAt: string;
  status: SignalStatus;
  /** The cluster, when the signal names one. Absent for non-AKS alerts. */
  cluster?: ClusterRef;
  /** The affected resource when it is not the cluster itself (agent pool id, VMSS, any alerted resource). */
  resourceId?: string;
  nodePool?: string;
  node?: string;
  /** Event reason, operation name or alert rule: a short machine-ish label of what happened. */
  reason?: string;
  /** One line a person reads first: what happened, in the source's terms. */
  title: string;
  /**
   * Raw failure texts to match against the catalog (messages, statusMessage JSON, provisioning errors).
   * Untrusted: escape before rendering.
   */
  texts: string[];
  /** Error codes the payload carries in structured fields (error.code, details[].code), most specific first. */
  errorCodes: string[];
  /** A severity the source itself asserts (alert Sev0..4, event type), if any. */
  severityHint?: Severity;
  /** Correlation id of the ARM operation, when known (joins Event Grid / alerts to AzureActivity). */
  correlationId?: string;
  /** Log Analytics workspace the row came from, and the query that finds it (for deep links). */
  workspaceId?: string;
  logQuery?: { query: string; start: string; end: string };
  /** Extra source fields worth showing (small, string-valued, untrusted). */
  attributes: Record<string, string>;
}

/** A failure's identity across runs: its source and its id there ("kube-events|…"). */
export const failureKey = (f: Pick<FailureSignal, 'source' | 'sourceId'>): string =>
  `${f.source}|${f.sourceId}`;

/** The catalog's answer for one matched entry, as carried on an enriched failure. */
export interface FailureMatch {
  code: string;
  aliases: string[];
  title: string;
  category: Category;
  severity: Severity;
  meaning: string;
  mitigation: string;
  docUrl: string;
  /** The exact text in the input that matched. */
  matchedText: string;
}

/** Cluster and node-pool facts read from ARM at enrichment time. */
export interface ClusterContext {
  kubernetesVersion?: string;
  provisioningState?: string;
  powerState?: string;
  location?: string;
  provisioningError?: { code?: string; message?: string };
  tags?: Record<string, string>;
  nodePool?: {
    name: string;
    vmSize?: string;
    mode?: string;
    osType?: string;
    orchestratorVersion?: string;
    provisioningState?: string;
    provisioningError?: { code?: string; message?: string };
    count?: number;
    autoscaling?: { enabled: boolean; min?: number; max?: number };
  };
}

export interface FailureLink {
  kind: 'doc' | 'portal' | 'logs' | 'alert' | 'other';
  title: string;
  url: string;
}

export const ENRICHED_FAILURE_SCHEMA_VERSION = 1;

/** A failure ready to be routed and delivered. Plain data, JSON-serialisable, versioned. */
export interface EnrichedFailure {
  schemaVersion: typeof ENRICHED_FAILURE_SCHEMA_VERSION;
  /** Stable across runs and sources for the same failure (cluster, pool/node, error). */
  fingerprint: string;
  source: SignalSource;
  kind: SignalKind;
  sourceId: string;
  status: SignalStatus;
  occurredAt: string;
  cluster?: ClusterRef;
  resourceId?: string;
  nodePool?: string;
  node?: string;
  reason?: string;
  title: string;
  /** One or two sentences: what happened and what it means, for the notification body. */
  summary: string;
  severity: Severity;
  category?: Category;
  /** Catalog matches, best first. Empty when nothing applies. */
  matches: FailureMatch[];
  /** Error codes found in the text that the catalog does not know. */
  unrecognised: string[];
  /** ARM context; absent when it could not be read, with the reason in `contextError`. */
  context?: ClusterContext;
  contextError?: string;
  /** True when the failure happened while its node pool was rolling (upgrade / node image). */
  duringUpgrade?: boolean;
  links: FailureLink[];
  texts: string[];
  errorCodes: string[];
  correlationId?: string;
  workspaceId?: string;
  attributes: Record<string, string>;
}

/**
 * What a receiver is sent: one failure, or a group of failures that share a group key (same cluster
 * and catalog code within the group window), or the resolve of an earlier notification.
 */
export interface Notification {
  /** Stable id of this notification; the idempotency key receivers see (Standard Webhooks `webhook-id`). */
  id: string;
  status: 'firing' | 'resolved';
  severity: Severity;
  /**
   * The key a resolve pairs with its trigger (PagerDuty's dedup_key): the fingerprint of the lead
   * failure of the group's first notification, the same on that one, its update and its resolve.
   */
  fingerprint: string;
  /** The grouping key (e.g. cluster + catalog code). Equal to the fingerprint for an ungrouped failure. */
  groupKey: string;
  /** Failures in the group, lead (most severe, then earliest) first. May be a capped sample of `count`. */
  failures: EnrichedFailure[];
  /** How many failures the group holds in total. */
  count: number;
  firstAt: string;
  lastAt: string;
  /** Distinct node pools and nodes affected across the whole group. */
  nodePools: string[];
  nodes: string[];
  /** Some failures happened while the node pool was rolling (upgrade / node-image update). */
  duringUpgrade?: boolean;
  /** On a group update: the group's first notification, whose failures `count` includes. */
  update?: GroupUpdate;
  /**
   * On a resolve covering part of a group: how many of the group's failures are still firing. Sinks
   * that can only close a whole incident (PagerDuty) leave such a resolve out.
   */
  stillFiring?: number;
}

export interface GroupUpdate {
  /** Id of the group's first notification. */
  firstId: string;
  /** When it was sent. */
  firstSentAt: string;
  /** How many of `count` it already reported. */
  alreadySent: number;
}

/** The kinds of receiver a notification can go to. */
export const SINK_TYPES = ['generic', 'teams', 'slack', 'pagerduty'] as const;
export type SinkType = (typeof SINK_TYPES)[number];

/**
 * A named destination. `url` and `secret` are secrets (a webhook URL embeds its credential):
 * they are resolved from app settings / Key Vault references at start-up, never stored in the
 * outbox, never logged, never put in error messages.
 */
export interface Receiver {
  name: string;
  type: SinkType;
  url: string;
  /** Standard Webhooks signing secret (generic) or PagerDuty routing key (pagerduty). */
  secret?: string;
  /** Requests per second this receiver accepts (Teams Workflows: 4). */
  maxPerSecond?: number;
}

/** What happened to notifications per receiver, counted for the digest's delivery health. */
export const HEALTH_COUNTERS = [
  'delivered',
  'retried',
  'deadLettered',
  'held',
  'suppressed',
  'silenced',
  'poisoned',
] as const;
export type HealthCounter = (typeof HEALTH_COUNTERS)[number];
export type HealthCounts = Record<HealthCounter, number>;

// The daily digest: what broke across the fleet in a window (the JSON digest, docs and renderers).

export const DIGEST_SCHEMA_VERSION = 1;

/** A half-open time window [start, end), ISO 8601. */
export interface DigestWindow {
  start: string;
  end: string;
}

export interface DigestTotals {
  failures: number;
  /**
   * Notices seen (auto-repair started or finished, new versions, support ending or ended, rolling
   * and maintenance updates; see `isNotice`): counted apart, never among failures.
   */
  info: number;
  resolved: number;
  clusters: number;
  nodes: number;
  bySeverity: Record<Severity, number>;
  /**
   * Failures no catalog entry matched: not top errors (a bucket of unrelated problems with no fix),
   * but listed under what the catalog is missing (`unrecognised`, `uncatalogued`). Support notices
   * (shown per cluster) are not counted.
   */
  unmatched: number;
  /** Distinct cluster + error pairs this window; new = absent from the previous window. */
  newProblems: number;
  recurringProblems: number;
  previous: { failures: number; clusters: number };
  /** Failures against the previous window, in percent; undefined when the previous window had none. */
  trendPercent?: number;
}

export interface DigestError {
  /** Catalog code. */
  code: string;
  title: string;
  category?: Category;
  /** The most severe failure with this code in the window. */
  severity: Severity;
  count: number;
  previousCount: number;
  /** Not seen at all in the previous window. */
  isNew: boolean;
  clusters: number;
  /** Of those, production clusters (from tags or names; PRODUCTION_CLUSTERS). */
  productionClusters?: number;
  clusterNames: string[];
  firstSeen: string;
  lastSeen: string;
  mitigation?: string;
  docUrl?: string;
  logsUrl?: string;
}

export type SupportState = 'ending' | 'ended';

export interface DigestNodePool {
  name: string;
  count: number;
  topErrors: { code: string; count: number }[];
  orchestratorVersion?: string;
}

export interface DigestCluster {
  name: string;
  resourceId: string;
  subscriptionId: string;
  resourceGroup: string;
  count: number;
  previousCount: number;
  topErrors: { code: string; count: number }[];
  nodePools: DigestNodePool[];
  kubernetesVersion?: string;
  support?: SupportState;
  /** Production or not, from an env tag or the name (PRODUCTION_CLUSTERS); absent when nothing tells. */
  environment?: 'production' | 'non-production';
  firstSeen: string;
  lastSeen: string;
  logsUrl?: string;
}

/** One of the "do these first" actions: an error, what to do about it, and where. */
export interface DigestAction {
  code: string;
  severity: Severity;
  /** What to do, from the catalog. */
  action: string;
  count: number;
  clusters: number;
  productionClusters: number;
  clusterNames: string[];
  docUrl?: string;
}

export interface DigestAutoRepair {
  actions: { reboot: number; reimage: number; redeploy: number };
  completed: number;
  failed: number;
  failedByError: { code: string; count: number }[];
  /**
   * Nodes repaired in two or more separate episodes (hours apart): candidates to replace. The
   * reboot-reimage-redeploy ladder of one episode counts once, however many of its steps failed.
   */
  repeatedNodes: { cluster: string; node: string; actions: number; failures: number; episodes: number }[];
  logsUrl?: string;
}

export interface DigestUnrecognised {
  code: string;
  count: number;
  clusters: number;
  example: string;
}

/**
 * Failures no catalog entry matched that carried no error code the catalog could look up (those
 * are under `unrecognised`), by kind and reason: what the catalog could learn to explain.
 */
export interface DigestUncatalogued {
  kind: string;
  /** Event reason, operation or alert rule, when the source gives one. */
  reason?: string;
  count: number;
  clusters: number;
  example: string;
}

export interface DigestDelivery extends HealthCounts {
  receiver: string;
}

export interface DigestHourly {
  /** Start of each hour of the window, ISO. */
  hours: string[];
  /** Series per category (or `other`), one count per hour. */
  series: { category: string; counts: number[] }[];
}

export interface Digest {
  schemaVersion: typeof DIGEST_SCHEMA_VERSION;
  generatedAt: string;
  window: DigestWindow;
  previousWindow: DigestWindow;
  totals: DigestTotals;
  hourly: DigestHourly;
  errors: DigestError[];
  /** The top three actions: by severity, production clusters affected, clusters affected, count. */
  doFirst?: DigestAction[];
  clusters: DigestCluster[];
  autoRepair: DigestAutoRepair;
  unrecognised: DigestUnrecognised[];
  uncatalogued: DigestUncatalogued[];
  delivery: DigestDelivery[];
  /** A deep link to all the window's failure rows, when the workspace is known. */
  logsUrl?: string;
  /** Where the data came from and what could not be read (never hidden). */
  sources: string[];
  problems: string[];
  /** What the bounded tables dropped (e.g. more distinct nodes than tracked). */
  truncated: string[];
  /** Link to the published HTML report, when one is stored. */
  reportUrl?: string;
}
