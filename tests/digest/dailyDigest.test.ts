import { describe, expect, it } from 'vitest';
import { scheduledWindowEnd } from '../../src/digest/dailyDigest.js';

function end(schedule: string, now: string, zone?: string): string {
  const r = scheduledWindowEnd(schedule, zone, new Date(now));
  return r.ok ? r.end.toISOString() : r.error;
}

describe('scheduledWindowEnd', () => {
  it("is the schedule's most recent occurrence, however late the run", () => {
    expect(end('0 0 7 * * *', '2026-11-21T07:00:04Z')).toBe('2026-11-21T07:00:00.000Z');
    expect(end('0 0 7 * * *', '2026-11-21T08:10:00Z')).toBe('2026-11-21T07:00:00.000Z');
    expect(end('0 0 7 * * *', '2026-11-22T06:58:00Z')).toBe('2026-11-21T07:00:00.000Z');
    expect(end('0 30 6 * * *', '2026-11-21T07:40:00Z')).toBe('2026-11-21T06:30:00.000Z');
  });

  it('gives a run fired a moment early its own occurrence, not the day before', () => {
    expect(end('0 0 7 * * *', '2026-11-21T06:59:59.950Z')).toBe('2026-11-21T07:00:00.000Z');
  });

  it('reads the schedule in WEBSITE_TIME_ZONE', () => {
    expect(end('0 0 7 * * *', '2026-11-21T02:40:00Z', 'Asia/Kolkata')).toBe('2026-11-21T01:30:00.000Z');
    expect(end('0 0 7 * * *', '2026-07-01T06:10:00Z', 'Europe/Berlin')).toBe('2026-07-01T05:00:00.000Z');
  });

  it('names a schedule or zone it cannot read', () => {
    expect(end('0 0 7 * *', '2026-11-21T07:00:00Z')).toMatch(/^DIGEST_SCHEDULE .*six fields/);
    expect(end('0 0 7 * * *', '2026-11-21T07:00:00Z', 'Mars/Olympus')).toMatch(
      /^WEBSITE_TIME_ZONE 'Mars\/Olympus' is not an IANA time zone/,
    );
  });
});
