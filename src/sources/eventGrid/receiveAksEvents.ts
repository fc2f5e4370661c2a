import type { FailureSignal } from '../../model.js';
import type { SignalProcessor } from '../../ports.js';
import type { RollingPhase, RollingUpgrades } from '../../state/rollingUpgrades.js';
import { describeEventGridError, fromEventGrid } from './fromEventGrid.js';

/** Records node-pool rolling phases so later failures can say they happened during an upgrade. */
export interface RollingRecorder {
  record(signal: FailureSignal): Promise<void>;
}

const ROLLING_REASON = /^NodePoolRolling(Started|Succeeded|Failed)$/;

/** Records NodePoolRolling* signals in the rolling-upgrade store, by event id and event time. */
export function rollingRecorder(upgrades: Pick<RollingUpgrades, 'record'>): RollingRecorder {
  return {
    async record(signal) {
      const phase = ROLLING_REASON.exec(signal.reason ?? '')?.[1] as RollingPhase | undefined;
      if (!phase || !signal.cluster || !signal.nodePool) return;
      await upgrades.record(signal.cluster, signal.nodePool, {
        phase,
        at: signal.occurredAt,
        id: signal.sourceId,
      });
    },
  };
}

/** Adds what an event leaves out (error codes and messages from other sources) before processing. */
export type SignalFillIn = (signals: FailureSignal[]) => Promise<FailureSignal[]>;

export interface AksEventsDeps {
  processor: SignalProcessor;
  rolling?: RollingRecorder;
  fillIn?: SignalFillIn;
}

/** The logging surface of an InvocationContext. */
export interface EventLog {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface AksEventsReport {
  signals: number;
  ignored: number;
  malformed: number;
  enqueued: number;
  duplicates: number;
}

/**
 * One Event Grid delivery (an event or an array) through parsing, rolling records, fill-in and the
 * pipeline. A malformed event is logged and dropped: redelivery cannot repair it. Anything the
 * state store, ARM or Log Analytics could answer later propagates as a throw, so the trigger
 * answers 500 and Event Grid redelivers the batch; processing is idempotent by event id.
 */
export async function receiveAksEvents(
  payload: unknown,
  deps: AksEventsDeps,
  log: EventLog,
): Promise<AksEventsReport> {
  const parsed = fromEventGrid(payload);
  for (const e of parsed.errors) log.error(`aks event dropped: ${describeEventGridError(e)}`);
  for (const i of parsed.ignored) log.debug(`aks event ${i.eventId} (${i.eventType}) ignored: ${i.reason}`);
  const report: AksEventsReport = {
    signals: parsed.signals.length,
    ignored: parsed.ignored.length,
    malformed: parsed.errors.length,
    enqueued: 0,
    duplicates: 0,
  };
  if (parsed.signals.length === 0) return report;
  if (deps.rolling)
    for (const s of parsed.signals) if (s.kind === 'nodepool-rolling') await deps.rolling.record(s);
  // A redelivered batch asks Log Analytics only for what is new: events already processed need no
  // fill-in, and must not fail the batch again while Log Analytics is down.
  const fresh = deps.processor.unseen ? await deps.processor.unseen(parsed.signals) : parsed.signals;
  const signals = deps.fillIn && fresh.length > 0 ? await deps.fillIn(fresh) : fresh;
  const r = await deps.processor.process(signals);
  report.enqueued = r.enqueued;
  report.duplicates = r.duplicates + (parsed.signals.length - fresh.length);
  return report;
}
