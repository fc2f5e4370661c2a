import type { ContextPort, DispatchPort, RollingPort } from '../ports.js';
import type { DeliveryReport } from '../deliver/delivery.js';
import { deliverDue } from '../deliver/delivery.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { Notification, Receiver, SinkType } from '../model.js';
import type { NotifyPolicy } from '../notify/policy.js';
import type { OutboxItemInput } from '../deliver/outbox.js';
import { enqueueOutgoing } from '../deliver/outbox.js';
import { PROTOCOLS } from '../deliver/protocols.js';
import type { PipelineDeps } from './processSignals.js';
import type { Renderer } from '../render/renderers.js';
import { RENDERERS } from '../render/renderers.js';
import type { RoutingConfig } from '../route/routingConfig.js';
import type { SweepOptions, SweepReport } from '../state/sweepState.js';
import { sweepState } from '../state/sweepState.js';
import { catalogLookup } from '../catalog/catalogLookup.js';
import { createPlanner } from '../notify/planNotifications.js';
import { logsLinkFor } from '../enrich/logsLink.js';
import { receiverMap } from '../route/receiverMap.js';
import { recordHealth } from '../state/deliveryHealth.js';
import { routeNotification } from '../route/routeNotification.js';
import { stateRetention } from './stateRetention.js';

/** A processed signal identity is remembered this long: far longer than any poll overlap or redelivery. */
export const SEEN_TTL_MS = 7 * 86_400_000;

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
  renderers: Readonly<Partial<Record<SinkType, Renderer>>> = RENDERERS,
): DispatchPort {
  const receivers = receiverMap(routing);
  return {
    route: (n) => routeNotification(routing, n),
    accepts(receiver, n) {
      const r = receivers.get(receiver);
      const accepts = r ? renderers[r.type]?.accepts : undefined;
      return accepts ? accepts(n) : true;
    },
    async enqueue(items) {
      const errors: string[] = [];
      const rows: OutboxItemInput[] = [];
      for (const { receiver, notification } of items) {
        const r = receivers.get(receiver);
        const renderer = r ? renderers[r.type] : undefined;
        if (!r || !renderer) {
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
            body: renderer.render(notification),
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
  /** Hosts a payload's own link may point at (LINK_HOST_ALLOW_LIST). */
  linkHosts?: readonly string[];
}

export interface Pipeline {
  deps: PipelineDeps;
  receivers: Map<string, Receiver>;
  deliver(options?: { limit?: number; fetch?: typeof fetch; dueNow?: boolean }): Promise<DeliveryReport>;
  /** Deletes expired state (the stateSweep timer). */
  sweep(options?: SweepOptions): Promise<SweepReport>;
}

/** How long and how often a notification is tried (DELIVERY_* settings). */
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
  if (parts.linkHosts) deps.linkHosts = parts.linkHosts;
  const receivers = receiverMap(parts.routing);
  return {
    deps,
    receivers,
    deliver: (options = {}) =>
      deliverDue({
        store: parts.store,
        receivers,
        protocols: PROTOCOLS,
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
