import type { FailureSignal } from '../../model.js';
import type { SignalProcessor } from '../../ports.js';
import { decodeInboxMessage } from './alertInbox.js';
import { signalsFromCommonAlert } from './signalsFromCommonAlert.js';
import type { CommonAlertSignalDeps } from './signalsFromCommonAlert.js';
import type { WebhookLog } from './receiveAlertWebhook.js';

export interface AlertProcessDeps {
  processor: SignalProcessor;
  signals: Omit<CommonAlertSignalDeps, 'receivedAt'>;
  /**
   * Deliveries of one inbox message before the queue moves it to the poison queue (host.json
   * `queues.maxDequeueCount`, 5 by default). On the last one, an alert whose rows cannot be fetched
   * is delivered without them rather than parked.
   */
  maxAttempts: number;
}

export interface AlertProcessResult {
  key: string;
  signals: number;
  enqueued: number;
  duplicates: number;
  notes: string[];
}

/** An inbox message that can never be processed; thrown so the queue parks it in the poison queue. */
export class UnreadableInboxMessage extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnreadableInboxMessage';
  }
}

/** Thrown to have the queue deliver the message again later (Log Analytics throttled or down). */
export class RetryAlertLater extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RetryAlertLater';
  }
}

function noteShortened(signals: FailureSignal[], shortened: readonly string[] | undefined): FailureSignal[] {
  if (!shortened?.length) return signals;
  const note = `alert fields shortened to fit the inbox: ${shortened.slice(0, 5).join(', ')}`;
  return signals.map((s) => ({ ...s, attributes: { ...s.attributes, payloadNote: note } }));
}

/**
 * One inbox message: the alert's signals (log search rows fetched here, off the request path) handed
 * to the pipeline. Safe to run again for the same message: the pipeline drops signals it has seen.
 *
 * @param attempt 1 for the first delivery of the message (the queue's dequeue count).
 */
export async function processAlertMessage(
  entry: unknown,
  attempt: number,
  deps: AlertProcessDeps,
  log: WebhookLog,
): Promise<AlertProcessResult> {
  const decoded = decodeInboxMessage(entry);
  if (!decoded.ok) throw new UnreadableInboxMessage(decoded.reason);
  const { message } = decoded;
  const made = await signalsFromCommonAlert(message.alert, {
    ...deps.signals,
    receivedAt: message.receivedAt,
  });
  if (made.transientFailure) {
    if (attempt < deps.maxAttempts)
      throw new RetryAlertLater(`alert ${message.alert.essentials.alertId}: ${made.transientFailure}`);
    log.warn(
      `alert ${message.alert.essentials.alertId}: delivering without its rows after ${attempt} attempts: ${made.transientFailure}`,
    );
  }
  const signals = noteShortened(made.signals, message.shortened);
  const result = await deps.processor.process(signals);
  for (const note of made.notes) log.info(`alert ${message.alert.essentials.alertId}: ${note}`);
  return { key: message.key, signals: signals.length, ...result, notes: made.notes };
}
