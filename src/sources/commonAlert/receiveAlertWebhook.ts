import { commonAlertKey } from './alertIdentity.js';
import { readBoundedBody } from '../../boundedBody.js';
import type { AlertInbox, InboxMessage } from './alertInbox.js';
import { InboxMessageTooLarge } from './alertInbox.js';
import type { InputProblem } from './parseCommonAlert.js';
import { parseCommonAlertText } from './parseCommonAlert.js';
import type { BearerVerifier } from './secureWebhookAuth.js';

/** Azure Monitor caps a common-schema alert at 256 KB; allow some slack over that. */
export const MAX_ALERT_BODY_BYTES = 320 * 1024;

/** Records which deliveries were already accepted. `claim` is true for the first caller of a key. */
export interface DeliveryClaims {
  claim(key: string, ttlMs: number): Promise<boolean>;
}

export interface WebhookLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface AlertWebhookDeps {
  inbox: AlertInbox;
  /**
   * Absent: every delivery is stored, and duplicates are dropped only when processed (the pipeline
   * is idempotent per signal). Present: duplicates are recognised here and not stored twice.
   */
  claims?: DeliveryClaims;
  /** How long a delivery's key is remembered (redeliveries come within minutes; keep days). */
  claimTtlMs: number;
  /** Present when Secure Webhook (Entra ID) protection is configured. */
  verifyBearer?: BearerVerifier;
  maxBodyBytes?: number;
  now?: () => Date;
}

/** The parts of an HTTP request the webhook reads. */
export interface WebhookRequest {
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  jsonBody: Record<string, unknown>;
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };

function respond(
  status: number,
  jsonBody: Record<string, unknown>,
  headers: Record<string, string> = {},
): WebhookResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, jsonBody };
}

function badRequest(error: string, message: string, problems?: InputProblem[]): WebhookResponse {
  return respond(400, problems ? { error, message, problems } : { error, message });
}

const unavailable = (message: string): WebhookResponse =>
  // Action groups retry 503 (and 408/429/504) a few times; Retry-After is a hint for other callers.
  respond(503, { error: 'unavailable', message }, { 'Retry-After': '10' });

type BodyRead = { ok: true; text: string } | { ok: false; response: WebhookResponse };

/** Reads at most `limit` bytes: a larger body is refused as soon as it is known to be too large. */
async function readBody(request: WebhookRequest, limit: number): Promise<BodyRead> {
  const read = await readBoundedBody(request, limit);
  if (read.ok) return read;
  return {
    ok: false,
    response:
      read.problem === 'too-large'
        ? respond(400, {
            error: 'payload-too-large',
            message: `The body is larger than ${limit} bytes; a common-schema alert is at most 256 KB.`,
          })
        : badRequest('invalid-body', 'The body is not valid UTF-8 text.'),
  };
}

function errorName(err: unknown): string {
  if (err instanceof Error) {
    const code =
      (err as { code?: unknown; statusCode?: unknown }).code ?? (err as { statusCode?: unknown }).statusCode;
    return typeof code === 'string' || typeof code === 'number' ? `${err.name} ${String(code)}` : err.name;
  }
  return 'unknown error';
}

/**
 * An action group's webhook call: authenticate (when configured), validate, store in the inbox,
 * answer 202 within the time an action group waits. Enrichment and delivery happen when the
 * inbox message is processed.
 *
 * Order matters for "nothing lost": the alert is written to the inbox before its delivery key is
 * claimed. A key therefore exists only for an alert that is stored; a duplicate's message is
 * removed again; and if the claim store is unreachable the stored alert is still processed
 * (processing is idempotent per signal), so the answer is 202 rather than a retry that could only
 * add another copy. The only 503 is an inbox that cannot be written.
 */
export async function receiveAlertWebhook(
  request: WebhookRequest,
  deps: AlertWebhookDeps,
  log: WebhookLog,
): Promise<WebhookResponse> {
  if (deps.verifyBearer) {
    const verdict = await deps.verifyBearer(request.headers.get('authorization'));
    if (!verdict.ok) {
      log.warn(`alert webhook: request refused: ${verdict.reason}`);
      if (verdict.status === 503)
        return unavailable('The request could not be authenticated right now; retry later.');
      const challenge = verdict.error ? `Bearer error="${verdict.error}"` : 'Bearer';
      return respond(
        401,
        {
          error: 'unauthorized',
          message: 'A valid Microsoft Entra ID bearer token for this endpoint is required.',
        },
        { 'WWW-Authenticate': challenge },
      );
    }
  }

  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) {
    log.warn(
      `alert webhook: rejected: content type ${mediaType ? `'${mediaType.slice(0, 60)}'` : 'missing'}`,
    );
    return respond(415, {
      error: 'unsupported-media-type',
      message: 'The body must be sent as Content-Type: application/json.',
    });
  }

  const body = await readBody(request, deps.maxBodyBytes ?? MAX_ALERT_BODY_BYTES);
  if (!body.ok) {
    log.warn(`alert webhook: rejected: ${String(body.response.jsonBody.error)}`);
    return body.response;
  }
  const parsed = parseCommonAlertText(body.text);
  if (parsed.kind === 'invalid') {
    log.warn(
      `alert webhook: rejected invalid payload: ${parsed.problems
        .slice(0, 5)
        .map((p) => `${p.path} ${p.message}`)
        .join('; ')}`,
    );
    return parsed.stage === 'schema'
      ? badRequest(
          'invalid-alert',
          'The body is not a valid Azure Monitor common alert schema payload.',
          parsed.problems,
        )
      : badRequest('invalid-json', 'The body must be a JSON common alert schema payload.', parsed.problems);
  }
  const alert = parsed.alert;
  const key = commonAlertKey(alert.essentials);
  const now = (deps.now ?? (() => new Date()))();
  const message: InboxMessage = { v: 1, key, receivedAt: now.toISOString(), alert };
  const ids = { alertId: alert.essentials.alertId, monitorCondition: alert.essentials.monitorCondition };

  let receipt;
  try {
    receipt = await deps.inbox.send(message);
  } catch (err) {
    if (err instanceof InboxMessageTooLarge) {
      log.error(`alert webhook: alert ${ids.alertId} cannot be stored: ${err.message}`);
      return badRequest('payload-too-large', 'The alert is too large to be stored.');
    }
    log.error(`alert webhook: inbox unavailable for alert ${ids.alertId}: ${errorName(err)}`);
    return unavailable('The alert could not be stored; retry later.');
  }

  if (!deps.claims) {
    log.info(`alert webhook: accepted alert ${ids.alertId} (${ids.monitorCondition}, ${alert.type})`);
    return respond(202, { status: 'accepted', ...ids });
  }
  let first: boolean;
  try {
    first = await deps.claims.claim(key, deps.claimTtlMs);
  } catch (err) {
    log.warn(
      `alert webhook: delivery claims unavailable (${errorName(err)}); alert ${ids.alertId} is stored and will be processed`,
    );
    return respond(202, { status: 'accepted', ...ids });
  }
  if (!first) {
    try {
      await deps.inbox.remove(receipt);
    } catch (err) {
      // Left in the inbox, the copy is processed and dropped there as a duplicate.
      log.warn(`alert webhook: could not remove duplicate inbox message: ${errorName(err)}`);
    }
    log.info(
      `alert webhook: duplicate delivery of alert ${ids.alertId} (${ids.monitorCondition}) not re-sent`,
    );
    return respond(202, { status: 'duplicate', ...ids });
  }
  log.info(`alert webhook: accepted alert ${ids.alertId} (${ids.monitorCondition}, ${alert.type})`);
  return respond(202, { status: 'accepted', ...ids });
}
