import type { Category, Severity } from '../model.js';
import type { HealthCounts } from '../state/deliveryHealth.js';

export const DIGEST_SCHEMA_VERSION = 1;

/** A half-open time window [start, end), ISO 8601. */
export interface DigestWindow {
  start: string;
  end: string;
}

export interface DigestTotals {
  failures: number;
  /** Informational rows seen (auto-repair start/end, advisories): counted, not failures. */
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
  severity: Severity;
  count: number;
  previousCount: number;
  /** Not seen at all in the previous window. */
  isNew: boolean;
  clusters: number;
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
  firstSeen: string;
  lastSeen: string;
  logsUrl?: string;
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
