import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/deliver/wireProtocol.js';

describe('retryAfterMs', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('reads delta-seconds', () =>
    expect(retryAfterMs(new Headers({ 'Retry-After': '30' }), now)).toBe(30_000));
  it('reads an HTTP date', () =>
    expect(retryAfterMs(new Headers({ 'Retry-After': 'Thu, 01 Jan 2026 00:00:10 GMT' }), now)).toBe(10_000));
  it('never goes negative', () =>
    expect(retryAfterMs(new Headers({ 'Retry-After': 'Wed, 31 Dec 2025 00:00:00 GMT' }), now)).toBe(0));
  it('ignores absent or garbage values', () => {
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'Retry-After': 'soon' }), now)).toBeUndefined();
  });
});
