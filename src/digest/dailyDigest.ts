import { DefaultAzureCredential } from '@azure/identity';
import { parseDurationMs, readSettings } from '../config.js';
import { receiverMap, routingFromSettings, stateStoreFromSettings } from '../pipeline/runtime.js';
import type { RoutingConfig } from '../sinks/routing/index.js';
import type { Receiver } from '../sinks/sinkProtocol.js';
import { createLogsQueryClient } from '../sources/logAnalytics/queryLogs.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { DigestSource } from './collectDigest.js';
import { computeDigest, journalSource, windowEndingAt, workspaceSource } from './collectDigest.js';
import type { Digest } from './digest.js';
import { withLogsLinks } from './logsDeepLink.js';
import type { PublishResult } from './publishDigest.js';
import { enqueueDigest, storeReport } from './publishDigest.js';

const HOUR_MS = 3_600_000;

export interface DailyDigestDeps {
  store: KeyValueStore;
  routing: RoutingConfig;
  receivers: ReadonlyMap<string, Receiver>;
  sources: readonly DigestSource[];
  windowMs: number;
  logsScope?: string;
  reportUrl?: string;
  now: () => Date;
}

export interface DailyDigestResult {
  digest: Digest;
  publish: PublishResult;
}

/**
 * The scheduled digest: the window ends at the start of the current hour, so a retry of the same
 * run computes the same window and its outbox ids (`digest:<windowEnd>:<receiver>`) match the first
 * attempt's: a digest is queued once per window and receiver. The HTML report is stored as the latest.
 */
export async function runDailyDigest(deps: DailyDigestDeps): Promise<DailyDigestResult> {
  const now = deps.now();
  const end = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const computed = await computeDigest({
    window: windowEndingAt(end, deps.windowMs),
    sources: deps.sources,
    store: deps.store,
    now,
  });
  const digest = withLogsLinks(
    deps.reportUrl ? { ...computed, reportUrl: deps.reportUrl } : computed,
    deps.logsScope,
  );
  await storeReport(deps.store, digest);
  const publish = await enqueueDigest(deps.store, deps.routing, deps.receivers, digest, now);
  return { digest, publish };
}

/** The digest's dependencies from app settings: Log Analytics workspaces plus the push journal. */
export function dailyDigestDepsFromEnv(env: NodeJS.ProcessEnv): DailyDigestDeps {
  const s = readSettings(env);
  const store = stateStoreFromSettings(env);
  const { routing } = routingFromSettings(env);
  const workspaceIds = (s.LOG_ANALYTICS_WORKSPACE_IDS ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const sources: DigestSource[] = [];
  if (workspaceIds.length > 0) {
    const credential = new DefaultAzureCredential(
      s.AZURE_CLIENT_ID ? { managedIdentityClientId: s.AZURE_CLIENT_ID } : {},
    );
    sources.push(
      workspaceSource({ client: createLogsQueryClient(s.LOG_ANALYTICS_ENDPOINT, credential), workspaceIds }),
    );
  }
  sources.push(journalSource(store));
  return {
    store,
    routing,
    receivers: receiverMap(routing),
    sources,
    windowMs: parseDurationMs(s.DIGEST_WINDOW ?? '24h') ?? 86_400_000,
    ...(s.DIGEST_LOGS_SCOPE ? { logsScope: s.DIGEST_LOGS_SCOPE } : {}),
    ...(s.DIGEST_REPORT_URL ? { reportUrl: s.DIGEST_REPORT_URL } : {}),
    now: () => new Date(),
  };
}
