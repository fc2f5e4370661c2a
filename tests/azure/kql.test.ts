import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { kqlDatetime, kqlString } from '../../src/azure/kql.js';

/** Reads a single-quoted KQL literal back, as Kusto's lexer does, or throws. */
function unquote(literal: string): string {
  if (!literal.startsWith("'") || !literal.endsWith("'") || literal.length < 2) throw new Error('not quoted');
  let out = '';
  for (let i = 1; i < literal.length - 1; i++) {
    const ch = literal[i];
    if (ch === "'") throw new Error(`unescaped quote at ${i}`);
    if (ch === '\n' || ch === '\r') throw new Error(`raw line break at ${i}`);
    if (ch === '\\') {
      const next = literal[++i];
      const map: Record<string, string> = { '\\': '\\', "'": "'", n: '\n', r: '\r', t: '\t' };
      const decoded = next === undefined ? undefined : map[next];
      if (decoded === undefined) throw new Error(`bad escape at ${i}`);
      out += decoded;
    } else out += ch ?? '';
  }
  return out;
}

describe('kqlString', () => {
  it('escapes quotes, backslashes and line breaks', () => {
    expect(kqlString("it's")).toBe("'it\\'s'");
    expect(kqlString('a\\b')).toBe("'a\\\\b'");
    expect(kqlString("x'\n| take 1")).toBe("'x\\'\\n| take 1'");
  });

  it('round-trips any string without ending the literal early', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(unquote(kqlString(s))).toBe(s);
      }),
    );
  });

  it('writes datetime literals in UTC', () => {
    expect(kqlDatetime(new Date(Date.UTC(2026, 10, 22, 7, 0, 0)))).toBe('datetime(2026-11-22T07:00:00.000Z)');
  });
});
