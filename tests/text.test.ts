import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanLine, cleanText, clipLine, clipText, safeUrl, truncate, utf8Bytes } from '../src/text.js';

// eslint-disable-next-line no-control-regex -- looking for control characters
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('cleanText', () => {
  it('removes control characters, bidi overrides and invisible characters', () => {
    expect(cleanText('a\u0000b\u0007c\u001bd\u007fe\u0085f')).toBe('abcdef');
    expect(cleanText('admin\u202e\u2066txt.exe\u2069\u200e')).toBe('admintxt.exe');
    expect(cleanText('in\u200bvis\ufeffible\u2060')).toBe('invisible');
  });
  it('keeps newlines, turns tabs into spaces and CR/CRLF into LF', () => {
    expect(cleanText('a\tb\r\nc\rd\ne')).toBe('a b\nc\nd\ne');
  });
  it('replaces lone surrogates and keeps pairs', () => {
    expect(cleanText('x\ud800y\udc00z😀')).toBe('x\ufffdy\ufffdz😀');
  });
  it('cleanLine collapses whitespace', () => expect(cleanLine('  a\n\n b\t c ')).toBe('a b c'));
  it('leaves no control or bidi character in any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(cleanText(s)).not.toMatch(UNSAFE);
      }),
    );
  });
});

describe('truncate', () => {
  it('keeps short text', () => expect(truncate('abc', 3)).toBe('abc'));
  it('marks the cut', () => expect(truncate('abcdef', 4)).toBe('abc…'));
  it('never splits a surrogate pair', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
  });
  it('stays within the limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 0, max: 50 }), (s, n) => {
        expect(truncate(s, n).length).toBeLessThanOrEqual(n);
      }),
    );
  });
});

describe('safeUrl', () => {
  it('accepts https and loopback http', () => {
    expect(safeUrl('https://learn.microsoft.com/x')).toBe('https://learn.microsoft.com/x');
    expect(safeUrl('http://127.0.0.1:8080/hook')).toBe('http://127.0.0.1:8080/hook');
  });
  it('rejects other schemes, remote http and embedded credentials', () => {
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('http://example.com/')).toBeUndefined();
    expect(safeUrl('https://user:pw@example.com/')).toBeUndefined();
    expect(safeUrl('not a url')).toBeUndefined();
  });
});

it('utf8Bytes counts bytes, not characters', () => expect(utf8Bytes('é😀')).toBe(6));

describe('clipText / clipLine', () => {
  it('clean and cap without reading all of a huge value', () => {
    const huge = 'a\u202e'.repeat(100_000);
    expect(clipText(huge, 10)).toBe('aaaaaaaaa…');
    expect(clipLine(`  x\n\n${'y '.repeat(50_000)}`, 7)).toBe('x y y…');
  });
  it('never leaves half a surrogate pair where the head was cut', () => {
    // For max 10 the head ends at 104 characters, between the halves of the emoji; the bidi
    // overrides before it are removed, so a lone half would survive cleaning as U+FFFD.
    const value = `${'\u202e'.repeat(103)}😀${'b'.repeat(100)}`;
    expect(clipText(value, 10)).not.toMatch(/\ufffd/);
  });
  it('agree with clean + truncate on short values', () => {
    fc.assert(
      // From max 34 on, the head (4 × max + 64) holds all of a 200-character value.
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.integer({ min: 34, max: 300 }),
        (s, n) => {
          expect(clipText(s, n)).toBe(truncate(cleanText(s).trim(), n));
          expect(clipLine(s, n)).toBe(truncate(cleanLine(s), n));
        },
      ),
    );
  });
});

describe('truncate at a surrogate pair', () => {
  it('never leaves half of a pair, whatever the cut', () => {
    const text = '😀'.repeat(20);
    for (let max = 1; max <= 41; max++) {
      const out = truncate(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(out)).toBe(false);
    }
  });
});
