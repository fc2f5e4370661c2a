import { describe, expect, it } from 'vitest';
import type { Ncrontab } from '../src/ncrontab.js';
import { instantsAt, parseNcrontab, previousOccurrence, wallClock } from '../src/ncrontab.js';

function schedule(expression: string): Ncrontab {
  const parsed = parseNcrontab(expression);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule;
}

function previous(expression: string, at: string, zone?: string): string | undefined {
  return previousOccurrence(schedule(expression), new Date(at), zone)?.toISOString();
}

describe('parseNcrontab', () => {
  it('reads lists, ranges, steps, stars and names as the Functions host does', () => {
    const s = schedule('*/15 0,30 9-17/4 1 Jan-mar mon-FRI');
    expect(s.seconds).toEqual([0, 15, 30, 45]);
    expect(s.minutes).toEqual([0, 30]);
    expect(s.hours).toEqual([9, 13, 17]);
    expect(s.days).toEqual([1]);
    expect(s.months).toEqual([1, 2, 3]);
    expect(s.weekdays).toEqual([1, 2, 3, 4, 5]);
    // A value with a step runs to the end of the field.
    expect(schedule('0 5/20 * * * *').minutes).toEqual([5, 25, 45]);
    expect(schedule('0 0 7 * * Sunday').weekdays).toEqual([0]);
  });

  it('names what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['0 7 * * *', /needs six fields/],
      ['0 60 7 * * *', /minute 60 is outside 0-59/],
      ['0 0 7 * * 7', /day of week 7 is outside 0-6/],
      ['0 0 7 * Foo *', /'Foo' is not a month/],
      ['0 0 9-7 * * *', /range '9-7' runs backwards/],
      ['0 */0 * * * *', /needs a positive step/],
      ['01:00:00', /needs six fields/],
    ];
    for (const [expression, message] of cases) {
      const parsed = parseNcrontab(expression);
      expect(parsed.ok, expression).toBe(false);
      if (!parsed.ok) expect(parsed.error).toMatch(message);
    }
  });
});

describe('previousOccurrence', () => {
  it('is the occurrence at or before the time, in UTC by default', () => {
    expect(previous('0 0 7 * * *', '2026-11-21T07:00:00Z')).toBe('2026-11-21T07:00:00.000Z');
    expect(previous('0 0 7 * * *', '2026-11-21T06:59:59.999Z')).toBe('2026-11-20T07:00:00.000Z');
    expect(previous('0 0 7 * * *', '2026-11-21T08:10:00Z')).toBe('2026-11-21T07:00:00.000Z');
    expect(previous('0 30 6 * * *', '2026-11-21T07:03:00Z')).toBe('2026-11-21T06:30:00.000Z');
    expect(previous('0 */5 * * * *', '2026-11-21T07:03:00Z')).toBe('2026-11-21T07:00:00.000Z');
    expect(previous('0 0 0 1 * *', '2026-11-21T07:03:00Z')).toBe('2026-11-01T00:00:00.000Z');
  });

  it('needs the day of month and the day of week both (NCRONTAB, not Vixie cron)', () => {
    // The 13th that is a Friday: 2026-11-13 (2026-11-20 is a Friday but not the 13th).
    expect(previous('0 0 7 13 * 5', '2026-11-21T08:00:00Z')).toBe('2026-11-13T07:00:00.000Z');
    // 29 February on a Monday: 2016, then 2044.
    expect(previous('0 0 0 29 2 1', '2026-11-21T08:00:00Z')).toBe('2016-02-29T00:00:00.000Z');
    expect(previous('0 0 0 31 2 *', '2026-11-21T08:00:00Z')).toBeUndefined();
  });

  it('reads the schedule in a half-hour zone (Asia/Kolkata, UTC+05:30)', () => {
    expect(previous('0 0 7 * * *', '2026-11-21T02:40:00Z', 'Asia/Kolkata')).toBe('2026-11-21T01:30:00.000Z');
    expect(previous('0 0 7 * * *', '2026-11-21T01:29:00Z', 'Asia/Kolkata')).toBe('2026-11-20T01:30:00.000Z');
  });

  it('follows the zone across daylight saving time (Europe/Berlin)', () => {
    // Clocks went forward at 02:00 on 29 March 2026: 07:00 is 06:00 UTC before, 05:00 UTC after.
    expect(previous('0 0 7 * * *', '2026-03-28T06:30:00Z', 'Europe/Berlin')).toBe('2026-03-28T06:00:00.000Z');
    expect(previous('0 0 7 * * *', '2026-03-29T05:30:00Z', 'Europe/Berlin')).toBe('2026-03-29T05:00:00.000Z');
    // They went back at 03:00 on 25 October 2026.
    expect(previous('0 0 7 * * *', '2026-10-25T06:10:00Z', 'Europe/Berlin')).toBe('2026-10-25T06:00:00.000Z');
  });

  it('in a half-hour zone with daylight saving time (Australia/Adelaide, UTC+09:30 / +10:30)', () => {
    // November is summer there: 07:00 ACDT is 20:30 UTC the day before.
    expect(previous('0 0 7 * * *', '2026-11-20T21:00:00Z', 'Australia/Adelaide')).toBe(
      '2026-11-20T20:30:00.000Z',
    );
    // July is winter: 07:00 ACST is 21:30 UTC.
    expect(previous('0 0 7 * * *', '2026-07-20T22:00:00Z', 'Australia/Adelaide')).toBe(
      '2026-07-20T21:30:00.000Z',
    );
  });

  it('takes a time skipped by the clock change as the same time after the gap, and the later of a repeated one that has passed', () => {
    // 02:30 did not happen in Berlin on 29 March 2026: the clock read 03:30 (01:30 UTC) instead.
    expect(previous('0 30 2 * * *', '2026-03-29T01:45:00Z', 'Europe/Berlin')).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    // Just after the jump (01:10 UTC reads 03:10), 02:30 is still to come: the day before's is the latest.
    expect(previous('0 30 2 * * *', '2026-03-29T01:10:00Z', 'Europe/Berlin')).toBe(
      '2026-03-28T01:30:00.000Z',
    );
    // 02:30 happened twice on 25 October 2026 (00:30 and 01:30 UTC).
    expect(previous('0 30 2 * * *', '2026-10-25T00:45:00Z', 'Europe/Berlin')).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    expect(previous('0 30 2 * * *', '2026-10-25T01:45:00Z', 'Europe/Berlin')).toBe(
      '2026-10-25T01:30:00.000Z',
    );
  });
});

describe('wall clock and instants', () => {
  it('maps both ways, with two instants in a repeated hour and none in a skipped one', () => {
    const at = Date.parse('2026-11-21T01:30:00Z');
    expect(new Date(wallClock(at, 'Asia/Kolkata')).toISOString()).toBe('2026-11-21T07:00:00.000Z');
    expect(instantsAt(Date.parse('2026-11-21T07:00:00Z'), 'Asia/Kolkata')).toEqual({
      instants: [at],
      skipped: false,
    });
    expect(instantsAt(Date.parse('2026-10-25T02:30:00Z'), 'Europe/Berlin').instants).toEqual([
      Date.parse('2026-10-25T00:30:00Z'),
      Date.parse('2026-10-25T01:30:00Z'),
    ]);
    expect(instantsAt(Date.parse('2026-03-29T02:30:00Z'), 'Europe/Berlin')).toEqual({
      instants: [Date.parse('2026-03-29T01:30:00Z')],
      skipped: true,
    });
  });
});
