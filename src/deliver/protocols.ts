import { genericWebhook } from './genericWebhook.js';
import { PAGERDUTY_MAX_PER_SECOND, pagerDuty } from './pagerDuty.js';
import type { WireProtocol } from './wireProtocol.js';
import type { SinkType } from '../model.js';
import { SLACK_MAX_PER_SECOND, slack } from './slack.js';
import { TEAMS_MAX_PER_SECOND, teamsWorkflows } from './teamsWorkflows.js';

/** Every sink's wire protocol by type: what delivery looks a receiver's protocol up in. */
export const PROTOCOLS: Record<SinkType, WireProtocol> = {
  generic: genericWebhook,
  teams: teamsWorkflows,
  slack,
  pagerduty: pagerDuty,
};

/** Requests per second a receiver of each type accepts when its config does not say. */
export const DEFAULT_MAX_PER_SECOND: Partial<Record<SinkType, number>> = {
  teams: TEAMS_MAX_PER_SECOND,
  slack: SLACK_MAX_PER_SECOND,
  pagerduty: PAGERDUTY_MAX_PER_SECOND,
};
