import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyValueStore } from '../state/keyValueStore.js';
import { updateEntry } from '../state/updateEntry.js';
import { NOTIFY_SCOPES } from './notifyScopes.js';
import type { Silence } from './policy.js';

/**
 * "Silence 4 h" on a card: a capability link. The token names one fingerprint and when the link
 * expires, signed with HMAC-SHA256 under the app's silence key; nothing else is in the URL (no
 * function key), and a token cannot be widened to another fingerprint or a later expiry without
 * the key. Following it records a silence for that fingerprint in the state store, which the
 * planner applies to new failures like the routing file's silences.
 */

/** How long a click silences. */
export const SILENCE_MS = 4 * 3_600_000;
/** How long a card's link works: a card read the next morning can still be silenced. */
export const SILENCE_LINK_TTL_MS = 24 * 3_600_000;

const VERSION = 'v1';
const FINGERPRINT = /^[A-Za-z0-9_-]{1,128}$/;
const KEY_SCOPE = NOTIFY_SCOPES.silenceKey;

export interface SilenceClaim {
  fingerprint: string;
  /** When the link stops working (epoch ms). */
  expiresAt: number;
}

export type TokenCheck =
  { ok: true; claim: SilenceClaim } | { ok: false; reason: 'malformed' | 'bad signature' | 'expired' };

function mac(key: Buffer, fingerprint: string, expiresSec: number): Buffer {
  return createHmac('sha256', key)
    .update(`silence|${VERSION}|${fingerprint}|${String(expiresSec)}`)
    .digest();
}

/** `v1.<fingerprint>.<expiry, epoch s>.<signature, base64url>`: URL-safe as it is. */
export function signSilenceToken(key: Buffer, claim: SilenceClaim): string {
  if (!FINGERPRINT.test(claim.fingerprint)) throw new Error('silence token: not a fingerprint');
  const expiresSec = Math.floor(claim.expiresAt / 1000);
  return `${VERSION}.${claim.fingerprint}.${String(expiresSec)}.${mac(key, claim.fingerprint, expiresSec).toString('base64url')}`;
}

/** Checks the signature (in constant time) and the expiry. */
export function verifySilenceToken(key: Buffer, token: unknown, now: Date): TokenCheck {
  if (typeof token !== 'string' || token.length > 400) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  const [version, fingerprint, expires, signature] = parts;
  if (
    parts.length !== 4 ||
    version !== VERSION ||
    !fingerprint ||
    !FINGERPRINT.test(fingerprint) ||
    !expires ||
    !/^\d{1,12}$/.test(expires) ||
    !signature ||
    !/^[A-Za-z0-9_-]{43}$/.test(signature)
  )
    return { ok: false, reason: 'malformed' };
  const expected = mac(key, fingerprint, Number(expires));
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad signature' };
  const expiresAt = Number(expires) * 1000;
  if (expiresAt <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claim: { fingerprint, expiresAt } };
}

/**
 * The key links are signed with: the SILENCE_SIGNING_KEY setting when given, else one made on
 * first use and kept in the state store. Creating it is a conditional write, so instances starting
 * together agree on one key. Whoever can read the state store could mint links, but could as well
 * write silences there directly: the key guards the link, not the store.
 */
export async function silenceSigningKey(store: KeyValueStore, configured?: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const key = await updateEntry<{ key: string; createdAt: string }, string>(
    store,
    KEY_SCOPE,
    'hmac',
    (cur) => {
      if (cur) return { result: cur.key };
      const fresh = { key: randomBytes(32).toString('base64'), createdAt: new Date().toISOString() };
      return { next: fresh, result: fresh.key };
    },
  );
  return Buffer.from(key, 'base64');
}

/** Makes the link a card carries, or nothing when the app has no public silence address. */
export interface SilenceLinker {
  urlFor(fingerprint: string, now: Date): Promise<string | undefined>;
}

export function createSilenceLinker(baseUrl: string, key: () => Promise<Buffer>): SilenceLinker {
  return {
    async urlFor(fingerprint, now) {
      if (!FINGERPRINT.test(fingerprint)) return undefined;
      const token = signSilenceToken(await key(), {
        fingerprint,
        expiresAt: now.getTime() + SILENCE_LINK_TTL_MS,
      });
      const url = new URL(baseUrl);
      url.searchParams.set('t', token);
      return url.href;
    },
  };
}

/** A silence recorded from a card. */
export interface StoredSilence {
  fingerprint: string;
  startsAt: string;
  endsAt: string;
  /** How it was made, for listings: 'card link'. */
  via: string;
}

/**
 * Records (or extends) the silence of one fingerprint until `until`; a second click never shortens
 * one in force. Returns the end now recorded.
 */
export function recordSilence(
  store: KeyValueStore,
  fingerprint: string,
  now: Date,
  until: Date = new Date(now.getTime() + SILENCE_MS),
): Promise<string> {
  return updateEntry<StoredSilence, string>(store, NOTIFY_SCOPES.silences, fingerprint, (cur) => {
    const active = cur && Date.parse(cur.endsAt) > now.getTime();
    if (active && cur.endsAt >= until.toISOString()) return { result: cur.endsAt };
    const next: StoredSilence = {
      fingerprint,
      startsAt: active ? cur.startsAt : now.toISOString(),
      endsAt: until.toISOString(),
      via: 'card link',
    };
    return { next, result: next.endsAt };
  });
}

/** The silences recorded from cards that are still in force, as the planner applies silences. */
export async function storedSilences(store: KeyValueStore, now: Date): Promise<Silence[]> {
  const out: Silence[] = [];
  for await (const e of store.list<StoredSilence>(NOTIFY_SCOPES.silences)) {
    const s = e.value;
    if (typeof s.endsAt !== 'string' || Date.parse(s.endsAt) <= now.getTime()) continue;
    out.push({
      comment: 'silenced from a notification',
      fingerprint: e.key,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
    });
  }
  return out;
}
