import type { Notification } from '../model.js';

/** The payload type and version receivers switch on (docs/webhook-payload.md). */
export const GENERIC_PAYLOAD_TYPE = 'aks-alert-enricher.notification';
export const GENERIC_PAYLOAD_VERSION = 1;

export interface GenericPayload extends Notification {
  type: typeof GENERIC_PAYLOAD_TYPE;
  version: typeof GENERIC_PAYLOAD_VERSION;
}

export function toGenericPayload(notification: Notification): GenericPayload {
  return { type: GENERIC_PAYLOAD_TYPE, version: GENERIC_PAYLOAD_VERSION, ...notification };
}
