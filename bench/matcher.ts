/**
 * The catalog matcher over 100,000 generated realistic failure messages, against the naive matcher
 * measured in the same run: one case-insensitive regular expression per code, alias and phrase,
 * tried in turn. Two more references: a plain substring scan (every spelling looked for with
 * String.includes in the lower-cased text, no word boundaries, no context), and the floor of
 * reading every character once, which no matcher written in JavaScript can beat.
 */
import { allEntries, match } from '../src/catalog/index.js';
import { failureMessages } from './support/failureMessages.js';
import { median } from './support/stats.js';

const MESSAGES = 100_000;

/** Messages per second over whole passes through `texts`, repeated for at least `minMs`. */
function rate(fn: (m: string) => unknown, texts: readonly string[], minMs: number): number {
  let n = 0;
  const start = performance.now();
  do {
    for (const t of texts) fn(t);
    n += texts.length;
  } while (performance.now() - start < minMs);
  return n / ((performance.now() - start) / 1000);
}

/**
 * Every side warmed up first (regular expressions compile and tier up on first use), then measured
 * in alternating rounds so a burst of load on the shared machine hits all of them; medians.
 */
function compare(sides: readonly ((m: string) => unknown)[], texts: readonly string[]): number[] {
  const warm = texts.slice(0, 5_000);
  for (const side of sides) rate(side, warm, 200);
  const rounds = sides.map((): number[] => []);
  for (let round = 0; round < 3; round++) sides.forEach((side, i) => rounds[i]?.push(rate(side, texts, 300)));
  return rounds.map(median);
}

export function runMatcherBench(): void {
  const texts = failureMessages(MESSAGES);
  const spellings = allEntries().flatMap((e) => [e.code, ...e.aliases]);
  const perAlias = [
    ...spellings.map((s) => new RegExp(`\\b${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i')),
    ...allEntries().flatMap((e) => e.phrases.map((p) => new RegExp(p, 'i'))),
  ];
  const naive = (m: string) => perAlias.filter((re) => re.test(m));
  const readOnce = (m: string) => {
    let sum = 0;
    for (let i = 0; i < m.length; i++) sum = (sum + m.charCodeAt(i)) | 0;
    return sum;
  };
  const needles = spellings.map((s) => s.toLowerCase());
  const scan = (m: string) => {
    const lower = m.toLowerCase();
    return needles.filter((n) => lower.includes(n));
  };
  const [ours = 0, base = 0, crude = 0, floor = 0] = compare([match, naive, scan, readOnce], texts);
  const meanLength = texts.reduce((sum, t) => sum + t.length, 0) / texts.length;
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  process.stdout.write(
    `\nCatalog matcher (${allEntries().length} entries, ${spellings.length} spellings; ` +
      `${texts.length.toLocaleString('en')} messages, mean ${Math.round(meanLength)} characters)\n` +
      `  naive: a regex per pattern    ${fmt(base)} messages/s  (${perAlias.length} expressions)\n` +
      `  substring scan                ${fmt(crude)} messages/s\n` +
      `  floor: read each character    ${fmt(floor)} messages/s\n` +
      `  matcher (one automaton pass)  ${fmt(ours)} messages/s  ` +
      `(${(ours / base).toFixed(1)}x the naive matcher, ${(ours / crude).toFixed(1)}x the substring scan; ` +
      `${((ours * meanLength) / 1e6).toFixed(0)} M characters/s, ${(ours / floor).toFixed(2)}x the floor)\n`,
  );
  console.log(
    JSON.stringify({
      bench: 'matcher',
      messagesPerSecond: Math.round(ours),
      naivePerSecond: Math.round(base),
      ratio: Number((ours / base).toFixed(1)),
      substringScanRatio: Number((ours / crude).toFixed(1)),
    }),
  );
}
