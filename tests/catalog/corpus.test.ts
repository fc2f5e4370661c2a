import { describe, expect, it } from 'vitest';
import { allEntries, match } from '../../src/catalog/index.js';
import { CORPUS_FORMS, halfOf, readCorpus, readSplit } from './support/corpus.js';
import { scoreCorpus, type Score } from './support/scoreCorpus.js';

/**
 * The catalog matcher scored on real failure messages (tests/fixtures/catalog/README.md). The
 * split by source was fixed before tuning: phrases are tuned on the tuning half, and the test half
 * is the held-out score.
 */
const cases = readCorpus();
const split = readSplit();
const half = halfOf(split);
const tune = cases.filter((c) => half(c) === 'tune');
const test = cases.filter((c) => half(c) === 'test');

const short = (s: string) => (s.length > 160 ? `${s.slice(0, 160)}…` : s).replace(/\s+/g, ' ');

/** The cases a score got wrong, one line each, for a failing assertion's message. */
function misses(score: Score): string {
  return score.outcomes
    .filter((o) => !o.right)
    .map(
      (o) =>
        `[${o.case.expected.join(' | ') || 'no match'}] got ${o.top ?? 'no match'}: ${short(o.case.message)}`,
    )
    .join('\n');
}

describe('the labelled corpus', () => {
  it('holds 250+ real messages with their sources, 50+ of them negatives, in every form', () => {
    expect(cases.length).toBeGreaterThanOrEqual(250);
    expect(cases.filter((c) => c.expected.length === 0).length).toBeGreaterThanOrEqual(50);
    for (const c of cases) expect(c.source, short(c.message)).toMatch(/^https:\/\/[^\s]+$/);
    expect(new Set(cases.map((c) => c.form))).toEqual(new Set(CORPUS_FORMS));
  });

  it('labels only catalog codes, and covers every entry that has a message', () => {
    const codes = new Set(allEntries().map((e) => e.code));
    for (const c of cases) for (const code of c.expected) expect(codes.has(code), code).toBe(true);
    const covered = new Set(cases.flatMap((c) => c.expected));
    const uncovered = allEntries().filter((e) => !covered.has(e.code));
    // Only an entry that documents why it has no message of its own may go uncovered.
    for (const e of uncovered) expect(e.noPhrases, e.code).toMatch(/no error message/);
  });

  it('assigns every source to exactly one half, and nothing else', () => {
    const sources = new Set(cases.map((c) => c.source));
    expect(split.tune.filter((s) => split.test.includes(s))).toEqual([]);
    expect(new Set([...split.tune, ...split.test])).toEqual(sources);
    expect(test.length).toBeGreaterThan(cases.length / 3);
  });
});

describe('the matcher on the corpus', () => {
  it('ranks the right entry first on the test half (held out), and matches no negative', () => {
    const score = scoreCorpus(test, match);
    expect(score.top1, misses(score)).toBeGreaterThanOrEqual(0.95);
    expect(score.falsePositiveRate, misses(score)).toBeLessThanOrEqual(0.03);
  });

  it('gets the whole tuning half right, codes the catalog lacks included', () => {
    const score = scoreCorpus(tune, match);
    expect(misses(score)).toBe('');
    const disagree = score.outcomes.filter((o) => o.unrecognisedAgree === false);
    expect(disagree.map((o) => short(o.case.message))).toEqual([]);
  });
});
