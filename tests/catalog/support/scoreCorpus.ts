import type { MatchResult } from '../../../src/catalog/match.js';
import type { CorpusCase } from './corpus.js';

export interface CaseOutcome {
  case: CorpusCase;
  top: string | undefined;
  /** Positive: the top match is one of the expected entries. Negative: nothing matched. */
  right: boolean;
  /** Labelled unrecognised codes agree (case-insensitive, as sets); undefined when unlabelled. */
  unrecognisedAgree: boolean | undefined;
}

export interface Score {
  positives: number;
  topRight: number;
  negatives: number;
  falsePositives: number;
  /** Top-1 accuracy over positives. */
  top1: number;
  /** Negatives something matched, over negatives. */
  falsePositiveRate: number;
  outcomes: CaseOutcome[];
}

const norm = (xs: readonly string[]) => [...new Set(xs.map((x) => x.toLowerCase()))].sort().join('\n');

export function scoreCorpus(cases: readonly CorpusCase[], match: (text: string) => MatchResult): Score {
  const outcomes = cases.map((c): CaseOutcome => {
    const r = match(c.message);
    const top = r.matches[0]?.entry.code;
    const right = c.expected.length === 0 ? top === undefined : top !== undefined && c.expected.includes(top);
    const unrecognisedAgree =
      c.expectedUnrecognised === undefined && c.expected.length > 0
        ? undefined
        : norm(r.unrecognised) === norm(c.expectedUnrecognised ?? []);
    return { case: c, top, right, unrecognisedAgree };
  });
  const pos = outcomes.filter((o) => o.case.expected.length > 0);
  const neg = outcomes.filter((o) => o.case.expected.length === 0);
  const topRight = pos.filter((o) => o.right).length;
  const falsePositives = neg.filter((o) => !o.right).length;
  return {
    positives: pos.length,
    topRight,
    negatives: neg.length,
    falsePositives,
    top1: pos.length === 0 ? 1 : topRight / pos.length,
    falsePositiveRate: neg.length === 0 ? 0 : falsePositives / neg.length,
    outcomes,
  };
}
