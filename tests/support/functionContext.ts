import { InvocationContext } from '@azure/functions';
import type { Timer } from '@azure/functions';

/** The timer argument the host passes a timer-triggered handler (on schedule, not past due). */
export const TIMER: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

/** A real InvocationContext whose log lines ("level: text") are collected into `logs`. */
export function loggingContext(
  functionName: string,
  logs: string[],
  triggerMetadata?: Record<string, unknown>,
): InvocationContext {
  return new InvocationContext({
    functionName,
    ...(triggerMetadata ? { triggerMetadata } : {}),
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`),
  });
}
