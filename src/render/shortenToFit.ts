/**
 * Receivers cap message size. A message is built from parts ranked by importance; when it is too
 * big the least important parts are left out first (later parts before earlier ones of the same
 * rank), and the renderer is told which, so it can say so in the message. Parts of rank 0 are never
 * left out; if they alone do not fit, the next, smaller text budget is tried.
 */

export interface MessagePart<T> {
  /** What a reader is told was left out ("raw messages"). */
  name: string;
  /** 0 = essential; higher = left out sooner. */
  rank: number;
  content: T;
}

/** Character budgets for untrusted text; a renderer applies them while building parts. */
export interface TextBudget {
  /** One-line values (names, codes, facts). */
  line: number;
  /** Paragraphs (summary, meaning, mitigation). */
  paragraph: number;
  /** Raw source messages. */
  raw: number;
  /** Items listed (nodes, messages, tags). */
  items: number;
}

export const TEXT_BUDGETS: readonly TextBudget[] = [
  { line: 200, paragraph: 2000, raw: 1500, items: 50 },
  { line: 100, paragraph: 600, raw: 300, items: 10 },
  { line: 40, paragraph: 200, raw: 100, items: 3 },
];

export interface Fitted {
  body: string;
  /** Names of the parts left out, in the order they were dropped. */
  dropped: string[];
  /** Whether the body is within the limit (false only when even the smallest budget is too big). */
  fits: boolean;
}

export function shortenToFit<T>(
  partsFor: (budget: TextBudget) => MessagePart<T>[],
  build: (kept: MessagePart<T>[], dropped: string[]) => string,
  fits: (body: string) => boolean,
): Fitted {
  let last: Fitted | undefined;
  for (const budget of TEXT_BUDGETS) {
    const parts = partsFor(budget);
    const order = parts
      .map((part, index) => ({ part, index }))
      .filter(({ part }) => part.rank > 0)
      .sort((a, b) => b.part.rank - a.part.rank || b.index - a.index);
    const droppedSet = new Set<MessagePart<T>>();
    const dropped: string[] = [];
    for (let i = 0; ; i++) {
      const kept = parts.filter((p) => !droppedSet.has(p));
      const body = build(kept, dropped);
      if (fits(body)) return { body, dropped, fits: true };
      last = { body, dropped: [...dropped], fits: false };
      const next = order[i];
      if (!next) break;
      droppedSet.add(next.part);
      if (!dropped.includes(next.part.name)) dropped.push(next.part.name);
    }
  }
  if (!last) throw new Error('shortenToFit: no budgets');
  return last;
}
