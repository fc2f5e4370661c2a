import { describe, expect, it } from 'vitest';
import {
  createSilenceLinker,
  recordSilence,
  signSilenceToken,
  silenceSigningKey,
  storedSilences,
  verifySilenceToken,
} from '../../src/notify/silenceLinks.js';
import { createMemoryStore } from '../../src/state/memoryStore.js';

const KEY = Buffer.from('k'.repeat(32));
const FP = '0123456789abcdef0123456789abcdef';
const NOW = new Date('2026-11-21T03:00:00.000Z');

describe('silence links', () => {
  it('sign one fingerprint and an expiry, and verify them', () => {
    const token = signSilenceToken(KEY, { fingerprint: FP, expiresAt: NOW.getTime() + 60_000 });
    expect(token).toMatch(/^v1\.[0-9a-f]{32}\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(verifySilenceToken(KEY, token, NOW)).toEqual({
      ok: true,
      claim: { fingerprint: FP, expiresAt: NOW.getTime() + 60_000 },
    });
    expect(verifySilenceToken(KEY, token, new Date(NOW.getTime() + 60_000))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifySilenceToken(Buffer.from('o'.repeat(32)), token, NOW)).toEqual({
      ok: false,
      reason: 'bad signature',
    });
    for (const bad of [
      undefined,
      '',
      'v1',
      `v2.${FP}.1.${'a'.repeat(43)}`,
      `v1.${FP}.x.${'a'.repeat(43)}`,
      'a'.repeat(500),
    ])
      expect(verifySilenceToken(KEY, bad, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('put nothing but the token in the link', async () => {
    const link = await createSilenceLinker('https://func.example/api/silence', () =>
      Promise.resolve(KEY),
    ).urlFor(FP, NOW);
    const url = new URL(link ?? '');
    expect(url.origin + url.pathname).toBe('https://func.example/api/silence');
    expect([...url.searchParams.keys()]).toEqual(['t']);
    expect(verifySilenceToken(KEY, url.searchParams.get('t'), NOW).ok).toBe(true);
  });

  it('make one key for every instance that starts at once, kept in the store', async () => {
    const store = createMemoryStore();
    const keys = await Promise.all(Array.from({ length: 8 }, () => silenceSigningKey(store)));
    expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(1);
    expect(keys[0]?.length).toBe(32);
    expect((await silenceSigningKey(store, 's'.repeat(40))).toString()).toBe('s'.repeat(40));
  });

  it('record a silence that a second click extends but never shortens', async () => {
    const store = createMemoryStore();
    expect(await recordSilence(store, FP, NOW)).toBe('2026-11-21T07:00:00.000Z');
    expect(await recordSilence(store, FP, new Date('2026-11-21T01:00:00.000Z'))).toBe(
      '2026-11-21T07:00:00.000Z',
    );
    expect(await recordSilence(store, FP, new Date('2026-11-21T04:00:00.000Z'))).toBe(
      '2026-11-21T08:00:00.000Z',
    );
    expect(await storedSilences(store, NOW)).toEqual([
      expect.objectContaining({
        fingerprint: FP,
        startsAt: '2026-11-21T03:00:00.000Z',
        endsAt: '2026-11-21T08:00:00.000Z',
      }),
    ]);
    expect(await storedSilences(store, new Date('2026-11-21T08:00:00.000Z'))).toEqual([]);
  });
});
