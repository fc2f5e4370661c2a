import type { Notification, SinkType } from '../model.js';
import { toGenericPayload } from './toGenericPayload.js';
import { pagerDutyAccepts, toPagerDutyEvent } from './toPagerDutyEvent.js';
import { toSlackMessage } from './toSlackBlocks.js';
import { toTeamsMessage } from './toAdaptiveCard.js';

/** What a renderer is given beside the notification. */
export interface RenderExtras {
  /** The signed "Silence 4 h" link of this notification, when the app has a public silence address. */
  silenceUrl?: string;
}

/** How one kind of receiver gets a notification: the stored body (pure, deterministic, no secrets). */
export interface Renderer {
  /** Whether the sink can take the notification at all (absent: it takes every one). */
  accepts?: (notification: Notification) => boolean;
  render(notification: Notification, extras?: RenderExtras): string;
}

/** Every sink's renderer by type. */
export const RENDERERS: Record<SinkType, Renderer> = {
  generic: { render: (n) => JSON.stringify(toGenericPayload(n)) },
  teams: { render: (n, extras) => toTeamsMessage(n, undefined, extras).body },
  slack: { render: (n, extras) => toSlackMessage(n, undefined, extras).body },
  pagerduty: { accepts: pagerDutyAccepts, render: (n) => JSON.stringify(toPagerDutyEvent(n)) },
};
