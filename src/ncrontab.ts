/**
 * NCRONTAB, the six-field schedule of Azure Functions timers (second minute hour day month
 * day-of-week), read as the Functions host reads it: lists, ranges, steps, `*`, month and weekday
 * names (any prefix, case-insensitive), Sunday = 0, and day-of-month AND day-of-week (NCRONTAB
 * requires both, unlike Vixie cron, which takes either). Pure; time zones through Intl.
 */

export interface Ncrontab {
  /** Allowed values per field, ascending. */
  seconds: readonly number[];
  minutes: readonly number[];
  hours: readonly number[];
  days: readonly number[];
  months: readonly number[];
  weekdays: readonly number[];
}

export type ParsedNcrontab = { ok: true; schedule: Ncrontab } | { ok: false; error: string };

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: WEEKDAYS },
];

function parseValue(text: string, spec: FieldSpec): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= spec.min && n <= spec.max
      ? n
      : `${spec.name} ${text} is outside ${String(spec.min)}-${String(spec.max)}`;
  }
  const i = spec.names?.findIndex((n) => n.toLowerCase().startsWith(text.toLowerCase())) ?? -1;
  return text !== '' && i >= 0 ? spec.min + i : `'${text}' is not a ${spec.name}`;
}

function parseField(text: string, spec: FieldSpec): number[] | string {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) return `'${part}' has more than one step`;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) return `'${part}' needs a positive step`;
      step = Number(stepText);
    }
    let first: number;
    let last: number;
    if (range === '*') {
      first = spec.min;
      last = spec.max;
    } else {
      const dash = range.indexOf('-');
      const a = parseValue(dash > 0 ? range.slice(0, dash) : range, spec);
      if (typeof a === 'string') return a;
      const b = dash > 0 ? parseValue(range.slice(dash + 1), spec) : stepText !== undefined ? spec.max : a;
      if (typeof b === 'string') return b;
      if (b < a) return `${spec.name} range '${range}' runs backwards`;
      first = a;
      last = b;
    }
    for (let v = first; v <= last; v += step) values.add(v);
  }
  return [...values].sort((x, y) => x - y);
}

export function parseNcrontab(expression: string): ParsedNcrontab {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6)
    return {
      ok: false,
      error: `'${expression}' is not an NCRONTAB schedule: it needs six fields (second minute hour day month day-of-week)`,
    };
  const fields: number[][] = [];
  for (const [i, spec] of FIELDS.entries()) {
    const parsed = parseField(parts[i] ?? '', spec);
    if (typeof parsed === 'string') return { ok: false, error: `'${expression}': ${parsed}` };
    fields.push(parsed);
  }
  const [seconds = [], minutes = [], hours = [], days = [], months = [], weekdays = []] = fields;
  return { ok: true, schedule: { seconds, minutes, hours, days, months, weekdays } };
}

const DAY_MS = 86_400_000;
/** Every combination of day, month and weekday recurs within 28 years (the Gregorian weekday cycle, leap days included). */
const SEARCH_DAYS = 28 * 366 + 7;

function latestAtMost(values: readonly number[], limit: number): number | undefined {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i] as number;
    if (v <= limit) return v;
  }
  return undefined;
}

/** The latest time of day (seconds since midnight) in the schedule at or before `limit`. */
function latestTimeOfDay(s: Ncrontab, limit: number): number | undefined {
  const limH = Math.floor(limit / 3600);
  const limM = Math.floor((limit % 3600) / 60);
  const limS = limit % 60;
  for (let i = s.hours.length - 1; i >= 0; i--) {
    const h = s.hours[i] as number;
    if (h > limH) continue;
    for (let j = s.minutes.length - 1; j >= 0; j--) {
      const m = s.minutes[j] as number;
      if (h === limH && m > limM) continue;
      const sec = h === limH && m === limM ? latestAtMost(s.seconds, limS) : s.seconds.at(-1);
      if (sec !== undefined) return h * 3600 + m * 60 + sec;
    }
  }
  return undefined;
}

/**
 * The latest wall-clock time at or before `wall` the schedule names, as milliseconds of a UTC clock
 * reading the same wall time (no zone applied), or undefined if it names none in 28 years.
 */
export function previousWallTime(s: Ncrontab, wall: number): number | undefined {
  const startDay = Math.floor(wall / DAY_MS) * DAY_MS;
  let limit = Math.floor((wall - startDay) / 1000);
  for (let n = 0, day = startDay; n < SEARCH_DAYS; n++, day -= DAY_MS, limit = DAY_MS / 1000 - 1) {
    const d = new Date(day);
    if (
      !s.months.includes(d.getUTCMonth() + 1) ||
      !s.days.includes(d.getUTCDate()) ||
      !s.weekdays.includes(d.getUTCDay())
    )
      continue;
    const t = latestTimeOfDay(s, limit);
    if (t !== undefined) return day + t * 1000;
  }
  return undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone (IANA names such as Europe/Berlin, and UTC). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's wall clock at `instant`, as milliseconds of a UTC clock reading the same time. */
export function wallClock(instant: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(
    p.year ?? 0,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  );
  return wall + (instant - Math.floor(instant / 1000) * 1000);
}

/**
 * The instants that read `wall` in the zone, earliest first: one as a rule, two in the hour repeated
 * when clocks go back, and none in the hour skipped when they go forward (then the instant the
 * same time after the gap, as the clock would read had it not jumped).
 */
export function instantsAt(wall: number, timeZone: string): { instants: number[]; skipped: boolean } {
  // Offsets a day either side cover any one transition near `wall`.
  const offsets = new Set([wall - DAY_MS, wall, wall + DAY_MS].map((t) => wallClock(t, timeZone) - t));
  const instants = [...offsets]
    .map((o) => wall - o)
    .filter((t) => wallClock(t, timeZone) === wall)
    .sort((a, b) => a - b);
  if (instants.length > 0) return { instants: [...new Set(instants)], skipped: false };
  const before = wallClock(wall - DAY_MS, timeZone) - (wall - DAY_MS);
  return { instants: [wall - before], skipped: true };
}

/**
 * The schedule's most recent occurrence at or before `at`, read in `timeZone` (default UTC), or
 * undefined if it has none in 28 years (e.g. 31 February).
 */
export function previousOccurrence(s: Ncrontab, at: Date, timeZone = 'UTC'): Date | undefined {
  const atMs = at.getTime();
  let wall = previousWallTime(s, wallClock(atMs, timeZone));
  // A wall time maps to an instant after `at` only near a clock change: then try the one before it.
  for (let tries = 0; wall !== undefined && tries < 10_000; tries++) {
    const passed = instantsAt(wall, timeZone).instants.filter((t) => t <= atMs);
    const latest = passed.at(-1);
    if (latest !== undefined) return new Date(latest);
    wall = previousWallTime(s, wall - 1000);
  }
  return undefined;
}
