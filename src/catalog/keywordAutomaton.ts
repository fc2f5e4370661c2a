/**
 * An Aho-Corasick automaton over ASCII keywords, compiled to a dense transition table so that a
 * scan costs one table read per character of text, whatever the number of keywords. ASCII letters
 * match without regard to case; every character that appears in no keyword shares one class.
 */
export interface KeywordAutomaton {
  /**
   * Runs over `text` once and appends, for every keyword occurrence, the keyword's index and the
   * offset just past its end to `hits` (as pairs). Returns `hits`.
   */
  scan(text: string, hits: number[]): number[];
}

export function compileKeywords(keywords: readonly string[]): KeywordAutomaton {
  // Character classes: 0 for anything in no keyword, then one per distinct (lower-cased) character.
  const classOf = new Uint8Array(128);
  let classCount = 1;
  for (const k of keywords) {
    for (let i = 0; i < k.length; i++) {
      const c = lowerAscii(k.charCodeAt(i));
      if (c >= 128) throw new Error(`keyword "${k}" holds a non-ASCII character`);
      if (classOf[c] === 0) {
        if (classCount === 255) throw new Error('too many distinct keyword characters');
        classOf[c] = classCount++;
      }
    }
  }
  for (let c = 65; c <= 90; c++) classOf[c] = classOf[c + 32] ?? 0;

  // The trie, one row of `classCount` children per state (-1: none).
  const children: number[][] = [new Array<number>(classCount).fill(-1)];
  const outputs: number[][] = [[]];
  keywords.forEach((k, index) => {
    if (k.length === 0) throw new Error('empty keyword');
    let state = 0;
    for (let i = 0; i < k.length; i++) {
      const cls = classOf[lowerAscii(k.charCodeAt(i))] ?? 0;
      const row = children[state] ?? [];
      let next = row[cls] ?? -1;
      if (next < 0) {
        next = children.length;
        row[cls] = next;
        children.push(new Array<number>(classCount).fill(-1));
        outputs.push([]);
      }
      state = next;
    }
    outputs[state]?.push(index);
  });

  // Breadth-first: each state's failure link and full row of transitions, outputs merged along links.
  const stateCount = children.length;
  const delta = new Int32Array(stateCount * classCount);
  const failure = new Int32Array(stateCount);
  const queue: number[] = [];
  const rootRow = children[0] ?? [];
  for (let cls = 0; cls < classCount; cls++) {
    const child = rootRow[cls] ?? -1;
    delta[cls] = child < 0 ? 0 : child;
    if (child >= 0) queue.push(child);
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head] ?? 0;
    const fail = failure[state] ?? 0;
    const own = outputs[state] ?? [];
    outputs[state] = [...own, ...(outputs[fail] ?? [])];
    const row = children[state] ?? [];
    for (let cls = 0; cls < classCount; cls++) {
      const child = row[cls] ?? -1;
      const viaFailure = delta[fail * classCount + cls] ?? 0;
      if (child < 0) {
        delta[state * classCount + cls] = viaFailure;
      } else {
        delta[state * classCount + cls] = child;
        failure[child] = viaFailure;
        queue.push(child);
      }
    }
  }

  // Entries hold the next state's row offset, bit-inverted when that state ends a keyword, so the
  // scan loop tests for output with one sign check.
  const table = new Int32Array(delta.length);
  for (let i = 0; i < delta.length; i++) {
    const next = delta[i] ?? 0;
    const offset = next * classCount;
    table[i] = (outputs[next]?.length ?? 0) > 0 ? ~offset : offset;
  }
  const outputsAt = new Map<number, readonly number[]>();
  outputs.forEach((out, state) => {
    if (out.length > 0) outputsAt.set(state * classCount, out);
  });

  return {
    scan(text: string, hits: number[]): number[] {
      let at = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        let next = table[at + (c < 128 ? (classOf[c] ?? 0) : 0)] ?? 0;
        if (next < 0) {
          next = ~next;
          for (const k of outputsAt.get(next) ?? []) hits.push(k, i + 1);
        }
        at = next;
      }
      return hits;
    },
  };
}

function lowerAscii(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}
