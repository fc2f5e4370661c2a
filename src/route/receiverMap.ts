import { DEFAULT_MAX_PER_SECOND } from '../deliver/protocols.js';
import type { Receiver } from '../model.js';
import type { RoutingConfig } from './routingConfig.js';
import { receiversOf } from './loadRoutingConfig.js';

/** Receivers by name, with each type's rate limit where the config sets none. */
export function receiverMap(routing: RoutingConfig): Map<string, Receiver> {
  const out = new Map<string, Receiver>();
  for (const [name, r] of receiversOf(routing)) {
    const rate = r.maxPerSecond ?? DEFAULT_MAX_PER_SECOND[r.type];
    out.set(name, rate === undefined ? r : { ...r, maxPerSecond: rate });
  }
  return out;
}
