import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { catalogLookup } from '../catalog/catalogLookup.js';
import { createArmClusterContext, type ArmClusterContextOptions } from '../context/armClusterContext.js';
import { parseDurationMs, readSettings } from '../config.js';
import { logsLinkFor } from '../enrich/logsLink.js';
import type { Notification } from '../model.js';
import { createPlanner } from '../notify/planNotifications.js';
import type { NotifyPolicy } from '../notify/policy.js';
import { notifyPolicyDefaults, parseNotifyPolicy } from '../notify/policy.js';
import type { DeliveryReport } from '../deliver/delivery.js';
import { deliverDue } from '../deliver/delivery.js';
import { genericWebhook } from '../deliver/genericWebhook.js';
import { DEFAULT_MAX_PER_SECOND, PROTOCOLS } from '../deliver/protocols.js';
import { loadRoutingConfig, receiversOf, routeNotification } from '../route/index.js';
import type { RoutingConfig } from '../route/index.js';
import type { Receiver, SinkProtocol, SinkType } from '../deliver/sinkProtocol.js';
import { recordHealth } from '../state/deliveryHealth.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import { enqueueOutgoing } from '../deliver/outbox.js';
import type { OutboxItemInput } from '../deliver/outbox.js';
import { openStateStore } from './openStateStore.js';
import { createRollingUpgrades, type RollingUpgrades } from '../state/rollingUpgrades.js';
import type { SweepOptions, SweepReport } from '../state/sweepState.js';
import { sweepState } from '../state/sweepState.js';
import { stateRetention } from '../pipeline/stateRetention.js';
import type { ContextPort, DispatchPort, PipelineDeps, RollingPort } from '../pipeline/processSignals.js';
import type { SignalProcessor } from '../pipeline/signalProcessor.js';
import { createSignalProcessor } from '../pipeline/signalProcessor.js';

/** Every sink protocol by type. */
export const ALL_PROTOCOLS: Readonly<Partial<Record<SinkType, SinkProtocol>>> = {
  ...PROTOCOLS,
  generic: genericWebhook,
};

/** A processed signal identity is remembered this long: far longer than any poll overlap or redelivery. */
export const SEEN_TTL_MS = 7 * 86_400_000;

/** Receivers by name, with each type's rate limit where the config sets none. */
export function receiverMap(routing: RoutingConfig): Map<string, Receiver> {
  const out = new Map<string, Receiver>();
  for (const [name, r] of receiversOf(routing)) {
    const rate = r.maxPerSecond ?? DEFAULT_MAX_PER_SECOND[r.type];
    out.set(name, rate === undefined ? r : { ...r, maxPerSecond: rate });
  }
  return out;
}

function summaryOf(n: Notification): string {
  const lead = n.failures[0];
  const where = lead?.cluster?.name ?? lead?.resourceId ?? '';
  const count = n.count > 1 ? ` (${n.count})` : '';
  return `${n.status} ${n.severity}: ${lead?.title ?? n.groupKey}${count}${where ? ` on ${where}` : ''}`.slice(
    0,
    300,
  );
}

/** Routing, rendering and the outbox, as the pipeline's dispatch port. */
export function createDispatch(
  store: KeyValueStore,
  routing: RoutingConfig,
  now: () => Date,
  protocols: Readonly<Partial<Record<SinkType, SinkProtocol>>> = ALL_PROTOCOLS,
): DispatchPort {
  const receivers = receiverMap(routing);
  return {
    route: (n) => routeNotification(routing, n),
    accepts(receiver, n) {
      const r = receivers.get(receiver);
      const accepts = r ? protocols[r.type]?.accepts : undefined;
      return accepts ? accepts(n) : true;
    },
    async enqueue(items) {
      const errors: string[] = [];
      const rows: OutboxItemInput[] = [];
      for (const { receiver, notification } of items) {
        const r = receivers.get(receiver);
        const protocol = r ? protocols[r.type] : undefined;
        if (!r || !protocol) {
          errors.push(
            `receiver "${receiver}" has no sink: notification ${notification.id} not queued for it`,
          );
          continue;
        }
        try {
          rows.push({
            receiver,
            sinkType: r.type,
            id: notification.id,
            body: protocol.render(notification),
            createdAt: now().toISOString(),
            summary: summaryOf(notification),
          });
        } catch (err) {
          errors.push(
            `rendering notification ${notification.id} for ${receiver} failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      const r = await enqueueOutgoing(store, rows);
      return { ...r, errors };
    },
    count: (receiver, counter, n, at) => recordHealth(store, at, receiver, counter, n),
  };
}

export interface PipelineParts {
  store: KeyValueStore;
  routing: RoutingConfig;
  policy: NotifyPolicy;
  context?: ContextPort;
  rolling?: RollingPort;
  now?: () => Date;
}

export interface Pipeline {
  deps: PipelineDeps;
  receivers: Map<string, Receiver>;
  deliver(options?: { limit?: number; fetch?: typeof fetch; dueNow?: boolean }): Promise<DeliveryReport>;
  /** Deletes expired state (the stateSweep timer). */
  sweep(options?: SweepOptions): Promise<SweepReport>;
}

export interface DeliverySettings {
  maxAttempts: number;
  maxAgeMs: number;
  timeoutMs: number;
}

export const DEFAULT_DELIVERY: DeliverySettings = { maxAttempts: 8, maxAgeMs: 86_400_000, timeoutMs: 10_000 };

export function createPipeline(
  parts: PipelineParts,
  delivery: DeliverySettings = DEFAULT_DELIVERY,
): Pipeline {
  const now = parts.now ?? (() => new Date());
  const deps: PipelineDeps = {
    store: parts.store,
    catalog: catalogLookup,
    planner: createPlanner(parts.store, parts.policy),
    dispatch: createDispatch(parts.store, parts.routing, now),
    seenTtlMs: SEEN_TTL_MS,
    logsLink: logsLinkFor,
    now,
  };
  if (parts.context) deps.context = parts.context;
  if (parts.rolling) deps.rolling = parts.rolling;
  const receivers = receiverMap(parts.routing);
  return {
    deps,
    receivers,
    deliver: (options = {}) =>
      deliverDue({
        store: parts.store,
        receivers,
        protocols: ALL_PROTOCOLS,
        now,
        ...delivery,
        ...options,
      }),
    sweep(options) {
      const at = now();
      return sweepState(parts.store, stateRetention(parts.policy, at), at, options);
    },
  };
}

export class PipelineConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration problems:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'PipelineConfigError';
  }
}

/** The state store the app settings select (openStateStore: a local folder, or Table Storage). */
export function stateStoreFromSettings(env: NodeJS.ProcessEnv): KeyValueStore {
  return openStateStore(readSettings(env), env);
}

/** Routing and notification policy from the app settings; every problem named, none thrown half-way. */
export function routingFromSettings(env: NodeJS.ProcessEnv): {
  routing: RoutingConfig;
  policy: NotifyPolicy;
  warnings: string[];
} {
  const path = env.ROUTING_CONFIG_PATH?.trim() || undefined;
  const loaded = loadRoutingConfig(path, env);
  if (!loaded.ok) throw new PipelineConfigError(loaded.errors);
  const { policy, errors } = parseNotifyPolicy(
    loaded.config.notify,
    loaded.config.source,
    notifyPolicyDefaults(readSettings(env)),
  );
  if (errors.length > 0) throw new PipelineConfigError(errors);
  return { routing: loaded.config, policy, warnings: loaded.warnings };
}

export function deliverySettings(env: NodeJS.ProcessEnv): DeliverySettings {
  const s = readSettings(env);
  return {
    maxAttempts: Number(s.DELIVERY_MAX_ATTEMPTS ?? 8),
    maxAgeMs: parseDurationMs(s.DELIVERY_MAX_AGE ?? '24h') ?? DEFAULT_DELIVERY.maxAgeMs,
    timeoutMs: parseDurationMs(s.DELIVERY_TIMEOUT ?? '10s') ?? DEFAULT_DELIVERY.timeoutMs,
  };
}

/** How the app reaches Azure: its identity, and Resource Manager client options (retries, TLS trust). */
export interface AzureAccess {
  credential: TokenCredential;
  armClientOptions?: ArmClusterContextOptions['clientOptions'];
}

/** The app's identity: the user-assigned managed identity named by AZURE_CLIENT_ID, else the default chain. */
export function azureAccessFromSettings(settings: ReturnType<typeof readSettings>): AzureAccess {
  return {
    credential: new DefaultAzureCredential(
      settings.AZURE_CLIENT_ID ? { managedIdentityClientId: settings.AZURE_CLIENT_ID } : {},
    ),
  };
}

/**
 * Cluster context from Resource Manager (ARM_ENDPOINT, the app's identity) and the rolling-upgrade
 * records in the state store: every path that turns failures into notifications uses both, so a
 * failure from Log Analytics or an alert carries its cluster's version, pool and tags (tag routes
 * match) and says when it happened during a node-pool upgrade. The records live in `store`, the
 * settings' state store unless given (the CLI keeps its own).
 */
export function clusterPortsFromEnv(
  env: NodeJS.ProcessEnv,
  azure: AzureAccess,
  store: KeyValueStore = stateStoreFromSettings(env),
): { context: ContextPort; rolling: RollingUpgrades } {
  const s = readSettings(env);
  return {
    context: createArmClusterContext({
      credential: azure.credential,
      endpoint: s.ARM_ENDPOINT ?? 'https://management.azure.com',
      clientOptions: azure.armClientOptions ?? {},
    }),
    rolling: createRollingUpgrades(store),
  };
}

/** The pipeline as the deployed functions build it from their app settings. */
export function pipelineFromEnv(
  env: NodeJS.ProcessEnv,
  extra: { context?: ContextPort; rolling?: RollingPort } = {},
): Pipeline {
  const { routing, policy } = routingFromSettings(env);
  return createPipeline(
    { store: stateStoreFromSettings(env), routing, policy, ...extra },
    deliverySettings(env),
  );
}

/**
 * The SignalProcessor the push functions hand their signals to: the pipeline from app settings,
 * delivering what is due after each batch (failures there are logged; the outbox keeps the items).
 */
export function signalProcessorFromEnv(
  env: NodeJS.ProcessEnv,
  options: {
    onProblem?: (message: string) => void;
    failOnTransientContext?: boolean;
    context?: ContextPort;
    rolling?: RollingPort;
  } = {},
): SignalProcessor {
  const { context, rolling, ...processOptions } = options;
  const pipeline = pipelineFromEnv(env, { ...(context ? { context } : {}), ...(rolling ? { rolling } : {}) });
  return createSignalProcessor(pipeline.deps, {
    ...processOptions,
    afterBatch: async () => {
      await pipeline.deliver({ limit: 50 });
    },
  });
}
