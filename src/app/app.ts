import type { TokenCredential } from '@azure/identity';
import type { LogsQueryClient } from '@azure/monitor-query-logs';
import type { DailyDigestDeps } from '../digest/dailyDigest.js';
import type { DigestSource } from '../digest/collectDigest.js';
import { journalSource } from '../digest/collectDigest.js';
import type { NotifyPolicy } from '../notify/policy.js';
import type { FailurePollDeps } from '../pipeline/failurePoll.js';
import type { PollFanOutDeps } from '../pipeline/fanOut.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { createPipeline } from '../pipeline/pipeline.js';
import type { Gate, PollItemDeps } from '../pipeline/processPollItem.js';
import { createGate } from '../pipeline/processPollItem.js';
import type { ProcessOptions } from '../pipeline/processSignals.js';
import { createSignalProcessor } from '../pipeline/signalProcessor.js';
import type { ContextPort, RollingPort, SignalProcessor } from '../ports.js';
import { receiverMap } from '../route/receiverMap.js';
import type { RoutingConfig } from '../route/routingConfig.js';
import type { AlertProcessDeps } from '../sources/commonAlert/processAlertMessage.js';
import type { AlertWebhookDeps } from '../sources/commonAlert/receiveAlertWebhook.js';
import type { AksEventsDeps } from '../sources/eventGrid/receiveAksEvents.js';
import { rollingRecorder } from '../sources/eventGrid/receiveAksEvents.js';
import { POLL_WORK_POISON_QUEUE, POLL_WORK_QUEUE } from '../sources/logAnalytics/pollWorkQueue.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { RollingUpgrades } from '../state/rollingUpgrades.js';
import { createRollingUpgrades } from '../state/rollingUpgrades.js';
import type { AppConfig } from './appConfig.js';
import { appConfigFromEnv } from './appConfig.js';
import type { AzureAccess } from './azureAccess.js';
import { defaultAzureAccess, queueClient } from './azureAccess.js';
import { openStateStore } from './openStateStore.js';
import { routingFromConfig } from './routingFromConfig.js';

/**
 * The composition root: every real client and store of the app is built here, once per process and
 * only when first asked for, and every function and the CLI take what they need from one App. Azure
 * SDKs are imported inside the getters that need them, so loading the functions costs little.
 */
export interface App {
  config: AppConfig;
  /** The app's identity (and Resource Manager client options). */
  azure(): Promise<AzureAccess>;
  store(): Promise<KeyValueStore>;
  routing(): { routing: RoutingConfig; policy: NotifyPolicy; warnings: string[] };
  /** Cluster context from Resource Manager and rolling-upgrade records from the state store. */
  clusterPorts(): Promise<{ context?: ContextPort; rolling: RollingUpgrades }>;
  logsClient(): Promise<LogsQueryClient>;
  /** The pipeline with cluster context and rolling-upgrade records. */
  pipeline(): Promise<Pipeline>;
  failurePollDeps(): Promise<FailurePollDeps>;
  /** Set only with POLL_FANOUT=queue. */
  pollFanOutDeps(): Promise<PollFanOutDeps | undefined>;
  pollWorkerDeps(): Promise<PollItemDeps>;
  alertWebhookDeps(): Promise<AlertWebhookDeps>;
  alertProcessDeps(): Promise<AlertProcessDeps>;
  aksEventsDeps(): Promise<AksEventsDeps>;
  dailyDigestDeps(): Promise<DailyDigestDeps>;
}

/** What a test or the CLI puts in place of the real thing. */
export interface AppOverrides {
  azure?: AzureAccess;
  store?: KeyValueStore;
  routing?: { routing: RoutingConfig; policy: NotifyPolicy };
  /**
   * Cluster context in place of Resource Manager (the sample fleet's saved cluster list), or `false`
   * for none (exported rows read offline).
   */
  context?: ContextPort | false;
  now?: () => Date;
}

/**
 * A value built on first use and shared after; a failure (a configuration problem, an unreachable
 * store) is not kept, so the next call tries again and reports it again.
 */
function once<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= build().catch((err: unknown) => {
      value = undefined;
      throw err;
    });
    return value;
  };
}

// Resource Manager clients of Event Grid deliveries retry briefly: Event Grid redelivers the batch.
const EVENT_GRID_ARM_RETRIES = 2;

export function createApp(env: NodeJS.ProcessEnv, overrides: AppOverrides = {}): App {
  const config = appConfigFromEnv(env);
  const now = overrides.now ?? (() => new Date());

  const azure = once(() =>
    overrides.azure ? Promise.resolve(overrides.azure) : defaultAzureAccess(config.azureClientId),
  );
  const identity = async (clientId?: string): Promise<TokenCredential> =>
    clientId && clientId !== config.azureClientId
      ? (await defaultAzureAccess(clientId)).credential
      : (await azure()).credential;
  const store = once(() =>
    overrides.store
      ? Promise.resolve(overrides.store)
      : openStateStore(config.settings, env, () => identity()),
  );
  let routed: ReturnType<App['routing']> | undefined;
  const routing = (): ReturnType<App['routing']> => {
    if (overrides.routing) return { ...overrides.routing, warnings: [] };
    routed ??= routingFromConfig(config, env);
    return routed;
  };

  const contextWith = async (armRetries?: number): Promise<ContextPort | undefined> => {
    if (overrides.context !== undefined) return overrides.context || undefined;
    const [{ createArmClusterContext }, access] = await Promise.all([
      import('../context/armClusterContext.js'),
      azure(),
    ]);
    const clientOptions = { ...(access.armClientOptions ?? {}) };
    if (armRetries !== undefined) clientOptions.retryOptions = { maxRetries: armRetries };
    return createArmClusterContext({
      credential: access.credential,
      endpoint: config.armEndpoint,
      clientOptions,
    });
  };
  const rolling = once(async () => createRollingUpgrades(await store()));
  const clusterPorts = once(async () => {
    const context = await contextWith();
    return { ...(context ? { context } : {}), rolling: await rolling() };
  });

  const logsClient = once(async () => {
    const [{ createLogsQueryClient }, access] = await Promise.all([
      import('../sources/logAnalytics/queryLogs.js'),
      azure(),
    ]);
    return createLogsQueryClient(config.logAnalyticsEndpoint, access.credential, access.logsClientOptions);
  });

  const pipelineWith = async (ports: { context?: ContextPort; rolling: RollingPort }): Promise<Pipeline> => {
    const { routing: r, policy } = routing();
    return createPipeline(
      { store: await store(), routing: r, policy, now, linkHosts: config.linkHosts, ...ports },
      config.delivery,
    );
  };
  const pipeline = once(async () => pipelineWith(await clusterPorts()));

  /** The pipeline as push sources see it: delivery of what is due after each batch. */
  const processorOf = (
    p: Pipeline,
    options: ProcessOptions & { onProblem?: (message: string) => void } = {},
  ): SignalProcessor =>
    createSignalProcessor(p.deps, {
      ...options,
      afterBatch: async () => {
        await p.deliver({ limit: 50 });
      },
    });

  let gate: Gate | undefined;

  return {
    config,
    azure,
    store,
    routing,
    clusterPorts,
    logsClient,
    pipeline,

    failurePollDeps: once(async () => ({
      pipeline: await pipeline(),
      client: await logsClient(),
      workspaceIds: config.workspaceIds,
      overlapMs: config.poll.overlapMs,
      initialLookbackMs: config.poll.initialLookbackMs,
      maxConcurrency: config.poll.maxConcurrency,
    })),

    pollFanOutDeps: once(async () => {
      if (config.poll.fanOut !== 'queue') return undefined;
      return {
        store: await store(),
        queue: await queueClient(env, POLL_WORK_QUEUE, identity),
        poison: await queueClient(env, POLL_WORK_POISON_QUEUE, identity),
        plan: {
          workspaceIds: config.workspaceIds,
          overlapMs: config.poll.overlapMs,
          initialLookbackMs: config.poll.initialLookbackMs,
        },
        now,
      };
    }),

    pollWorkerDeps: once(async () => {
      const { MAX_CONCURRENT_QUERIES } = await import('../sources/logAnalytics/poll.js');
      // One gate per process: every message this instance runs shares it.
      gate ??= createGate(Math.min(MAX_CONCURRENT_QUERIES, config.poll.maxConcurrency || 1));
      const p = await pipeline();
      return { store: p.deps.store, pipeline: p.deps, client: await logsClient(), gate };
    }),

    alertWebhookDeps: once(async () => {
      const [{ QueueAlertInbox }, { deliveryClaims }] = await Promise.all([
        import('../sources/commonAlert/alertInbox.js'),
        import('../sources/commonAlert/deliveryClaims.js'),
      ]);
      const deps: AlertWebhookDeps = {
        inbox: new QueueAlertInbox(await queueClient(env, config.alert.inboxQueue, identity)),
        claims: deliveryClaims(await store()),
        claimTtlMs: config.alert.dedupTtlMs,
      };
      const secure = config.alert.secureWebhook;
      if (secure) {
        const { createSecureWebhookVerifier } = await import('../sources/commonAlert/secureWebhookAuth.js');
        deps.verifyBearer = createSecureWebhookVerifier({
          tenantId: secure.tenantId,
          audiences: secure.audiences,
          authorityHost: secure.authority,
          callerAppIds: secure.callerAppIds,
        });
      }
      return deps;
    }),

    alertProcessDeps: once(async () => {
      const [scope, { createFiredAlertMemory, createLogAnalyticsRowFetcher }, { kqlString }, arm, access] =
        await Promise.all([
          import('../sources/commonAlert/alertQueryScope.js'),
          import('../sources/commonAlert/logAnalyticsRowFetcher.js'),
          import('../azure/kql.js'),
          import('../sources/commonAlert/armAlertRules.js'),
          azure(),
        ]);
      return {
        processor: processorOf(await pipeline()),
        signals: {
          rows: scope.scopedRowFetcher(
            createLogAnalyticsRowFetcher(await logsClient(), {
              maxResponseBytes: config.alert.queryMaxBytes,
            }),
            scope.alertQueryScope(
              config.settings.LOG_ANALYTICS_WORKSPACE_IDS,
              config.settings.ALERT_QUERY_SCOPES,
            ),
          ),
          rules: arm.createArmAlertRules({
            credential: access.credential,
            endpoint: config.armEndpoint,
            ...(access.armClientOptions ? { clientOptions: access.armClientOptions } : {}),
          }),
          ruleScopes: config.alert.ruleScopes,
          budgetMs: config.alert.queryBudgetMs,
          memory: createFiredAlertMemory(await store()),
          maxRows: config.alert.logMaxRows,
          kqlString,
          now,
          linkHosts: config.linkHosts,
        },
        maxAttempts: 5,
      };
    }),

    aksEventsDeps: once(async () => {
      const upgrades = await rolling();
      const context = await contextWith(EVENT_GRID_ARM_RETRIES);
      const ports = { ...(context ? { context } : {}), rolling: upgrades };
      const deps: AksEventsDeps = {
        // A transient context failure throws, so Event Grid redelivers and the failure arrives complete.
        processor: processorOf(await pipelineWith(ports), {
          failOnTransientContext: true,
          onProblem: (message) => {
            console.warn(`aks events: ${message}`);
          },
        }),
        rolling: rollingRecorder(upgrades),
      };
      if (config.workspaceIds.length > 0) {
        const { createActivityFillIn } = await import('../sources/eventGrid/activityFillIn.js');
        deps.fillIn = createActivityFillIn({
          client: await logsClient(),
          workspaceIds: config.workspaceIds,
          // A short wait: Event Grid redelivers the batch when Log Analytics stays unavailable.
          queryOptions: { maxAttempts: 2, serverTimeoutInSeconds: 20 },
        });
      }
      return deps;
    }),

    dailyDigestDeps: once(async () => {
      const s = await store();
      const { routing: r } = routing();
      const sources: DigestSource[] = [];
      if (config.workspaceIds.length > 0) {
        const { workspaceSource } = await import('../sources/logAnalytics/digestSource.js');
        sources.push(workspaceSource({ client: await logsClient(), workspaceIds: config.workspaceIds }));
      }
      sources.push(journalSource(s));
      const d = config.digest;
      return {
        store: s,
        routing: r,
        receivers: receiverMap(r),
        sources,
        windowMs: d.windowMs,
        schedule: d.schedule,
        ...(d.timeZone ? { timeZone: d.timeZone } : {}),
        ...(d.logsScope ? { logsScope: d.logsScope } : {}),
        ...(d.reportUrl ? { reportUrl: d.reportUrl } : {}),
        now,
      };
    }),
  };
}

let current: { env: NodeJS.ProcessEnv; app: App } | undefined;

/**
 * The app of this process, from its environment: the same for every function, so clients, caches and
 * the query gate are shared. A configuration error is thrown every time, never kept.
 */
export function appFromEnv(env: NodeJS.ProcessEnv = process.env): App {
  if (current?.env === env) return current.app;
  const app = createApp(env);
  current = { env, app };
  return app;
}
