import { describe, expect, it } from 'vitest';
import {
  BicepSyntaxError,
  commentOnLine,
  declarations,
  hasTopLevelAssignment,
  objectLiteralKeys,
  tokenize,
  valueTokens,
} from './bicepSource.js';

const SAMPLE = `targetScope = 'subscription'

@description('It\\'s a name: {not an object}')
@allowed([
  'a'
  'b'
])
param name string = 'a'

@secure()
param secret object

/* a block
   comment */
var settings = {
  PLAIN: 'x' // trailing comment
  'quoted-key': '\${name}-\${toLower('Y}')}'
  NESTED: {
    inner: 1
  }
  multi: '''
line one
line two'''
  ONE_LINE: { a: 1, b: 2 }
}

var roles = {
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7' // Reader
}

output AZURE_X string = settings.PLAIN == 'x' ? 'y' : 'z'
`;

describe('tokenize', () => {
  it('reads strings with escapes and nested interpolations as one token each', () => {
    const strings = tokenize(SAMPLE).filter((t) => t.kind === 'string');
    expect(strings.map((t) => t.value)).toContain("It's a name: {not an object}");
    const interpolated = strings.find((t) => t.interpolations?.length === 2);
    expect(interpolated?.interpolations).toEqual(['name', "toLower('Y}')"]);
    expect(strings.find((t) => t.value?.startsWith('\nline one'))?.value).toBe('\nline one\nline two');
  });

  it('keeps line numbers across block comments and multi-line strings', () => {
    const tokens = tokenize(SAMPLE);
    const reader = tokens.find(
      (t) => t.kind === 'string' && t.value === 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    );
    expect(reader?.line).toBe(SAMPLE.split('\n').findIndex((l) => l.includes('acdd72a7')) + 1);
    expect(commentOnLine(tokens, reader?.line ?? 0)).toBe('Reader');
  });

  it('rejects unterminated strings and comments with the line', () => {
    expect(() => tokenize("var a = 'open\nvar b = 1")).toThrow(BicepSyntaxError);
    expect(() => tokenize("var a = 'x'\n/* never closed")).toThrow(/line 2: unterminated block comment/);
    expect(() => tokenize("var a = '${b'")).toThrow(/unterminated/);
  });
});

describe('declarations', () => {
  const decls = declarations(tokenize(SAMPLE));

  it('splits top-level declarations and attaches decorators, including multi-line ones', () => {
    expect(decls.map((d) => `${d.keyword} ${d.name}`)).toEqual([
      'targetScope ',
      'param name',
      'param secret',
      'var settings',
      'var roles',
      'output AZURE_X',
    ]);
    expect(decls[1]?.decorators).toEqual(['description', 'allowed']);
    expect(decls[2]?.decorators).toEqual(['secure']);
  });

  it('tells parameters with a default from those without', () => {
    expect(decls.filter((d) => d.keyword === 'param').map((d) => hasTopLevelAssignment(d))).toEqual([
      true,
      false,
    ]);
  });

  it('lists the keys an object literal sets, quoted and one-line ones included, nested ones too', () => {
    const settings = decls.find((d) => d.name === 'settings');
    expect(settings && objectLiteralKeys(valueTokens(settings))).toEqual([
      'PLAIN',
      'quoted-key',
      'NESTED',
      'inner',
      'multi',
      'ONE_LINE',
      'a',
      'b',
    ]);
  });

  it('does not take a ternary or comparison for a key', () => {
    const output = decls.find((d) => d.keyword === 'output');
    expect(output && objectLiteralKeys(valueTokens(output))).toEqual([]);
  });
});
