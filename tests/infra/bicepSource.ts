/**
 * A small Bicep reader for the static cross-check: a tokenizer (strings with interpolation, multi-line
 * strings, comments, punctuation) and a top-level declaration splitter. It is not a compiler: it answers
 * the questions the test asks (which params have defaults, which keys an object literal sets, which
 * comment sits on the line of a string) and nothing more.
 */

export type TokenKind = 'ident' | 'string' | 'number' | 'punct' | 'newline' | 'comment';

export interface Token {
  kind: TokenKind;
  /** Source text (for comments: without the comment markers). */
  text: string;
  /** Strings: the literal value, with each interpolation kept as `${...}` source. */
  value?: string;
  /** Strings: the source of each `${...}` interpolation. */
  interpolations?: string[];
  /** 1-based line where the token starts. */
  line: number;
}

export class BicepSyntaxError extends Error {
  constructor(message: string, line: number) {
    super(`line ${String(line)}: ${message}`);
    this.name = 'BicepSyntaxError';
  }
}

const MULTI_CHAR_PUNCT = ['==', '!=', '<=', '>=', '&&', '||', '??', '=>', '.?', '[?', '=~', '!~'];
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };

/** Splits Bicep source into tokens. Throws BicepSyntaxError on an unterminated string or comment. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const at = (k: number): string => source.charAt(k);

  while (i < source.length) {
    const c = at(i);
    if (c === '\n') {
      tokens.push({ kind: 'newline', text: '\n', line });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      tokens.push({ kind: 'comment', text: source.slice(i + 2, stop).trim(), line });
      i = stop;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      if (end === -1) throw new BicepSyntaxError('unterminated block comment', line);
      const text = source.slice(i + 2, end);
      tokens.push({ kind: 'comment', text: text.trim(), line });
      line += countNewlines(text);
      i = end + 2;
    } else if (source.startsWith("'''", i)) {
      const end = source.indexOf("'''", i + 3);
      if (end === -1) throw new BicepSyntaxError('unterminated multi-line string', line);
      const text = source.slice(i + 3, end);
      tokens.push({ kind: 'string', text: source.slice(i, end + 3), value: text, interpolations: [], line });
      line += countNewlines(text);
      i = end + 3;
    } else if (c === "'") {
      const start = i;
      const startLine = line;
      let value = '';
      const interpolations: string[] = [];
      i++;
      for (;;) {
        if (i >= source.length) throw new BicepSyntaxError('unterminated string', startLine);
        const d = at(i);
        if (d === "'") {
          i++;
          break;
        }
        if (d === '\n') throw new BicepSyntaxError('line break in a string', startLine);
        if (d === '\\') {
          const e = at(i + 1);
          const escaped = ESCAPES[e];
          if (escaped !== undefined) {
            value += escaped;
            i += 2;
          } else if (e === 'u') {
            const close = source.indexOf('}', i);
            value += String.fromCodePoint(parseInt(source.slice(i + 3, close), 16));
            i = close + 1;
          } else {
            throw new BicepSyntaxError(`unknown escape \\${e}`, line);
          }
        } else if (d === '$' && at(i + 1) === '{') {
          const end = endOfInterpolation(source, i + 2, line);
          const expr = source.slice(i + 2, end);
          interpolations.push(expr.trim());
          value += '${' + expr.trim() + '}';
          i = end + 1;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ kind: 'string', text: source.slice(start, i), value, interpolations, line: startLine });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
      const text = m?.[0] ?? c;
      tokens.push({ kind: 'ident', text, line });
      i += text.length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(?:\.[0-9]+)?/.exec(source.slice(i));
      const text = m?.[0] ?? c;
      tokens.push({ kind: 'number', text, line });
      i += text.length;
    } else {
      const multi = MULTI_CHAR_PUNCT.find((p) => source.startsWith(p, i));
      const text = multi ?? c;
      tokens.push({ kind: 'punct', text, line });
      i += text.length;
    }
  }
  return tokens;
}

function countNewlines(text: string): number {
  let n = 0;
  for (const ch of text) if (ch === '\n') n++;
  return n;
}

/** Index of the `}` closing an interpolation that starts at `from` (after `${`). */
function endOfInterpolation(source: string, from: number, line: number): number {
  let depth = 0;
  let i = from;
  while (i < source.length) {
    const c = source.charAt(i);
    if (c === "'") {
      // A nested string: skip it, including its own interpolations.
      i++;
      while (i < source.length && source.charAt(i) !== "'") {
        if (source.charAt(i) === '\\') i++;
        else if (source.startsWith('${', i)) i = endOfInterpolation(source, i + 2, line);
        i++;
      }
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
    i++;
  }
  throw new BicepSyntaxError('unterminated interpolation', line);
}

export type DeclarationKeyword =
  | 'targetScope'
  | 'metadata'
  | 'param'
  | 'var'
  | 'resource'
  | 'module'
  | 'output'
  | 'type'
  | 'func'
  | 'import'
  | 'extension'
  | 'using';

const KEYWORDS = new Set<string>([
  'targetScope',
  'metadata',
  'param',
  'var',
  'resource',
  'module',
  'output',
  'type',
  'func',
  'import',
  'extension',
  'using',
]);

export interface Declaration {
  keyword: DeclarationKeyword;
  /** Symbolic name (for targetScope and import: empty). */
  name: string;
  /** Decorator names without '@' (e.g. 'secure', 'description'). */
  decorators: string[];
  /** Tokens of the declaration from its keyword on, comments and newlines included. */
  tokens: Token[];
  line: number;
}

const OPEN = new Set(['(', '[', '{', '[?']);
const CLOSE = new Set([')', ']', '}']);

/** Splits a token list into top-level declarations (decorators attached to the declaration they precede). */
export function declarations(tokens: Token[]): Declaration[] {
  const out: Declaration[] = [];
  let depth = 0;
  let lineStart = true;
  let pendingDecorators: string[] = [];
  let current: Declaration | undefined;

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) continue;
    if (depth === 0 && lineStart && t.kind === 'punct' && t.text === '@') {
      current = undefined;
      const name = tokens[i + 1];
      if (name?.kind === 'ident') pendingDecorators.push(name.text);
    } else if (depth === 0 && lineStart && t.kind === 'ident' && KEYWORDS.has(t.text)) {
      const nameToken = tokens.slice(i + 1).find((x) => x.kind !== 'comment');
      current = {
        keyword: t.text as DeclarationKeyword,
        name: nameToken?.kind === 'ident' ? nameToken.text : '',
        decorators: pendingDecorators,
        tokens: [],
        line: t.line,
      };
      pendingDecorators = [];
      out.push(current);
    }
    current?.tokens.push(t);
    if (t.kind === 'punct' && OPEN.has(t.text)) depth++;
    if (t.kind === 'punct' && CLOSE.has(t.text)) depth = Math.max(0, depth - 1);
    if (t.kind === 'newline') lineStart = true;
    else if (t.kind !== 'comment') lineStart = false;
  }
  return out;
}

/** Tokens without comments and newlines. */
export function significant(tokens: Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'comment' && t.kind !== 'newline');
}

/** True when the declaration has a top-level `=` (a param's default, a var's value). */
export function hasTopLevelAssignment(decl: Declaration): boolean {
  let depth = 0;
  for (const t of decl.tokens) {
    if (t.kind !== 'punct') continue;
    if (OPEN.has(t.text)) depth++;
    else if (CLOSE.has(t.text)) depth--;
    else if (t.text === '=' && depth === 0) return true;
  }
  return false;
}

/** Tokens after the declaration's top-level `=`. */
export function valueTokens(decl: Declaration): Token[] {
  let depth = 0;
  for (let i = 0; i < decl.tokens.length; i++) {
    const t = decl.tokens[i];
    if (t?.kind !== 'punct') continue;
    if (OPEN.has(t.text)) depth++;
    else if (CLOSE.has(t.text)) depth--;
    else if (t.text === '=' && depth === 0) return decl.tokens.slice(i + 1);
  }
  return [];
}

/**
 * Keys set by every object literal in `tokens` (top-level keys of each literal, nested literals
 * included): `{ A: 'x', 'b-c': y }` gives ['A', 'b-c'].
 */
export function objectLiteralKeys(tokens: Token[]): string[] {
  const sig = significantWithNewlines(tokens);
  const keys: string[] = [];
  const stack: string[] = [];
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i];
    if (t === undefined) continue;
    if (t.kind === 'punct' && OPEN.has(t.text)) {
      stack.push(t.text);
      continue;
    }
    if (t.kind === 'punct' && CLOSE.has(t.text)) {
      stack.pop();
      continue;
    }
    if (stack[stack.length - 1] !== '{') continue;
    const prev = sig[i - 1];
    const next = sig[i + 1];
    const atEntryStart =
      prev !== undefined &&
      ((prev.kind === 'punct' && (prev.text === '{' || prev.text === ',')) || prev.kind === 'newline');
    if (atEntryStart && (t.kind === 'ident' || t.kind === 'string') && next?.text === ':') {
      keys.push(t.kind === 'string' ? (t.value ?? '') : t.text);
    }
  }
  return keys;
}

function significantWithNewlines(tokens: Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'comment');
}

/** The comment on the same line as `token`, if any. */
export function commentOnLine(tokens: Token[], line: number): string | undefined {
  return tokens.find((t) => t.kind === 'comment' && t.line === line)?.text;
}
