import type { SinkType } from '../model.js';
import type { Receiver } from '../model.js';
import type { MatchSpec } from './routingSchema.js';

/** One route, in file order. */
export interface Route {
  /** 0-based position in `routes:`. */
  index: number;
  /** The route's name, or `routes[i]` when it has none. */
  name: string;
  /** Conditions (all must hold; a list means any of its values). Empty: matches everything. */
  match: MatchSpec;
  receivers: string[];
  /** Keep evaluating later routes after this one matched. */
  continue: boolean;
}

/** A receiver as configured, without its secrets (for listings and dry runs). */
export interface ReceiverInfo {
  name: string;
  type: SinkType;
  /** App settings it reads, e.g. { url: 'TEAMS_ONCALL_URL' }. */
  settings: { url?: string; secret?: string };
  /** Settings referenced but not set (only when loaded without requiring them). */
  unset: string[];
}

export interface RoutingConfig {
  /** The file it came from, or `(default)` when there is no routing file. */
  source: string;
  receivers: Receiver[];
  receiverInfo: ReceiverInfo[];
  routes: Route[];
  /** Receivers for notifications no route matched. */
  defaultReceivers: string[];
  /** Receivers of the daily digest. */
  digest: { receivers: string[] };
  /** Sections other stages parse: grouping keys and windows, silences. */
  notify: { grouping: unknown; silences: unknown };
}

export type RoutingResult =
  { ok: true; config: RoutingConfig; warnings: string[] } | { ok: false; errors: string[] };

/** A routing with no receivers (what runs without a routing file or webhook): nothing is sent. */
export function noReceivers(source: string): RoutingConfig {
  return {
    source,
    receivers: [],
    receiverInfo: [],
    routes: [],
    defaultReceivers: [],
    digest: { receivers: [] },
    notify: { grouping: undefined, silences: undefined },
  };
}
