import type { ContextPort, DispatchPort, RollingPort } from '../ports.js';
import type { DeliveryOptions, DeliveryReport, DeliveryRun } from '../deliver/delivery.js';
import { addPending, deliverDue, sendLeaseUntil, startDelivery } from '../deliver/delivery.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { Notification, Receiver } from '../model.js';
import type { NotifyPolicy } from '../notify/policy.js';
import type { OutboxItemInput } from '../deliver/outbox.js';
import { enqueueOutgoing } from '../deliver/outbox.js';
import { PROTOCOLS } from '../deliver/protocols.js';
import type { PipelineDeps } from './processSignals.js';
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
import { newClaimOwner } from './failureClaims.js';
import type { SilenceLinker } from '../notify/silenceLinks.js';

/**
 * How long a claim on a failure holds before another instance may take it over: far longer than
 * planning one batch takes, short enough that a failure whose instance died goes out within minutes.
 */
export const CLAIM_LEASE_MS = 60_000;

function summaryOf(n: Notification): string {
  const lead = n.failures[0];
  const where = lead?.cluster?.name ?? lead?.resourceId ?? '';
  const count = n.count > 1 ? ` (${n.count})` : '';
  return `${n.status} ${n.severity}: ${lead?.title ?? n.groupKey}${count}${where ? ` on ${where}` : ''}`.slice(
    0,
    300,
  );
}

/** A delivery run taking items as they are queued (see Pipeline.deliverWhile). */
export interface LiveDelivery {
  run: DeliveryRun;
  /** Until when items created for it are leased to it. */
  leaseUntil(): string;
}

/** Routing, rendering and the outbox, as the pipeline's dispatch port. */
function createDispatch(
  store: KeyValueStore,
  routing: RoutingConfig,
  receivers: ReadonlyMap<string, Receiver>,
  now: () => Date,
  silence?: SilenceLinker,
  live: () => LiveDelivery | undefined = () => undefined,
): DispatchPort {
  return {
    route: (n) => routeNotification(routing, n),
    accepts(receiver, n) {
      const r = receivers.get(receiver);
      const accepts = r ? RENDERERS[r.type].accepts : undefined;
      return accepts ? accepts(n) : true;
    },
    async enqueue(items, options = {}) {
      // One signed link per firing notification, shared by its receivers; per call, as planning
      // enqueues for many lanes at once.
      const links = new Map<string, Promise<string | undefined>>();
      const silenceUrlOf = (n: Notification): Promise<string | undefined> => {
        if (!silence || n.status !== 'firing') return Promise.resolve(undefined);
        let link = links.get(n.id);
        if (!link) {
          link = silence.urlFor(n.fingerprint, now()).catch(() => undefined);
          links.set(n.id, link);
        }
        return link;
      };
      const errors: string[] = [];
      const rows: OutboxItemInput[] = [];
      for (const { receiver, notification } of items) {
        const r = receivers.get(receiver);
        const renderer = r ? RENDERERS[r.type] : undefined;
        if (!r || !renderer) {
          errors.push(
            `receiver "${receiver}" has no sink: notification ${notification.id} not queued for it`,
          );
          continue;
        }
        try {
          const silenceUrl = await silenceUrlOf(notification);
          rows.push({
            receiver,
            sinkType: r.type,
            id: notification.id,
            body: renderer.render(notification, silenceUrl ? { silenceUrl } : {}),
            createdAt: now().toISOString(),
            summary: summaryOf(notification),
          });
        } catch (err) {
          errors.push(
            `rendering notification ${notification.id} for ${receiver} failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      const delivery = live();
      const r = await enqueueOutgoing(store, rows, {
        ...(options.fresh ? { fresh: true } : {}),
        ...(delivery ? { leaseUntil: delivery.leaseUntil() } : {}),
      });
      // Sent by the running delivery at once, under the lease they were created with (taken again
      // when they wait long enough for it to run low).
      delivery?.run.add(r.created.map((c) => ({ ...c, leased: true })));
      return { added: r.added, existing: r.existing, errors };
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
  /** Signs the "Silence 4 h" link of each firing notification (absent: cards have no such button). */
  silence?: SilenceLinker;
  /** Hosts a payload's own link may point at (LINK_HOST_ALLOW_LIST). */
  linkHosts?: readonly string[];
}

export interface DeliverOptions {
  limit?: number;
  dueNow?: boolean;
}

export interface Pipeline {
  deps: PipelineDeps;
  receivers: Map<string, Receiver>;
  deliver(options?: DeliverOptions): Promise<DeliveryReport>;
  /**
   * Runs `work` (processing signals) while delivering: what was pending first, then each item as it
   * is queued, so the first notification goes out while later failures are still being planned.
   */
  deliverWhile<T>(
    work: () => Promise<T>,
    options?: DeliverOptions,
  ): Promise<{ value: T; delivery: DeliveryReport }>;
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
  let live: LiveDelivery | undefined;
  const receivers = receiverMap(parts.routing);
  const deps: PipelineDeps = {
    store: parts.store,
    catalog: catalogLookup,
    planner: createPlanner(parts.store, parts.policy),
    dispatch: createDispatch(parts.store, parts.routing, receivers, now, parts.silence, () => live),
    claims: { owner: newClaimOwner(), leaseMs: CLAIM_LEASE_MS },
    logsLink: logsLinkFor,
    now,
  };
  if (parts.context) deps.context = parts.context;
  if (parts.rolling) deps.rolling = parts.rolling;
  if (parts.linkHosts) deps.linkHosts = parts.linkHosts;
  const deliveryOptions = (options: DeliverOptions): DeliveryOptions => ({
    store: parts.store,
    receivers,
    protocols: PROTOCOLS,
    now,
    ...delivery,
    ...options,
  });
  return {
    deps,
    receivers,
    deliver: (options = {}) => deliverDue(deliveryOptions(options)),
    async deliverWhile(work, options = {}) {
      const run = startDelivery(deliveryOptions(options));
      // What was pending before goes first (listed before anything new is queued under a lease).
      await addPending(run, parts.store);
      live = { run, leaseUntil: () => sendLeaseUntil(now(), delivery.timeoutMs) };
      let value: Awaited<ReturnType<typeof work>>;
      try {
        value = await work();
      } catch (err) {
        live = undefined;
        await run.finish();
        throw err;
      }
      live = undefined;
      return { value, delivery: await run.finish() };
    },
    sweep(options) {
      const at = now();
      return sweepState(parts.store, stateRetention(parts.policy, at), at, options);
    },
  };
}
