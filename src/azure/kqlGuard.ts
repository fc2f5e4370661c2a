/**
 * What a log search rule's query may do before this app runs it with its own identity: one tabular
 * statement (after any `let` declarations), reading only the scope the query is sent to. A small
 * lexer that knows KQL's strings, comments, bracketed names and statement separators is enough to
 * tell; the tests hold it against Microsoft's Kusto parser.
 */

type TokenKind = 'name' | 'string' | 'punct' | 'number';

interface Token {
  kind: TokenKind;
  /** The name (a bracketed name without its quotes), the punctuation, or the raw literal. */
  text: string;
}

export type KqlCheck = { ok: true } | { ok: false; reason: string };

/** Functions that reach data outside the scope the query is sent to, or outside Azure Monitor. */
export const CROSS_SCOPE: ReadonlySet<string> = new Set([
  'workspace',
  'app',
  'resource',
  'adx',
  'cluster',
  'database',
  'arg',
  'externaldata',
  'external_table',
  'entity_group',
]);

/** `evaluate` plugins that call out to other services. */
export const CALLOUT_PLUGINS: ReadonlySet<string> = new Set([
  'http_request',
  'http_request_post',
  'sql_request',
  'cosmosdb_sql_request',
  'mysql_request',
  'postgresql_request',
  'azure_digital_twins_query_request',
]);

/** Statements other than a query: never part of what an alert may run. */
const STATEMENT_KEYWORDS = new Set([
  'let',
  'set',
  'declare',
  'alias',
  'restrict',
  'pattern',
  'query_parameters',
]);

/** Queries longer than this are refused unread (the service's own limit is far larger). */
export const MAX_QUERY_LENGTH = 64 * 1024;

const isNameStart = (c: string): boolean => /[A-Za-z_$]/.test(c);
const isNamePart = (c: string): boolean => /[A-Za-z0-9_$]/.test(c);

type Lexed = { ok: true; tokens: Token[] } | { ok: false; reason: string };

/** The end (exclusive) of a quoted string starting at `i`, honouring backslash escapes. */
function quotedEnd(text: string, i: number, verbatim: boolean): number | undefined {
  const quote = text[i];
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\n' || c === '\r') return undefined;
    if (!verbatim && c === '\\') {
      j++;
      continue;
    }
    if (c === quote) {
      // In a verbatim string a doubled quote stands for one.
      if (verbatim && text[j + 1] === quote) {
        j++;
        continue;
      }
      return j + 1;
    }
  }
  return undefined;
}

/** Splits KQL text into tokens; comments and white space are dropped. Linear in the text. */
function lexKql(text: string): Lexed {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    // Multi-line strings: ```…``` and ~~~…~~~.
    if ((c === '`' || c === '~') && text.startsWith(c.repeat(3), i)) {
      const end = text.indexOf(c.repeat(3), i + 3);
      if (end < 0) return { ok: false, reason: 'the query has an unterminated multi-line string' };
      tokens.push({ kind: 'string', text: text.slice(i, end + 3) });
      i = end + 3;
      continue;
    }
    // Obfuscated (h, H) and verbatim (@) prefixes, in either order of h and @.
    let j = i;
    if ((text[j] === 'h' || text[j] === 'H') && /['"@]/.test(text[j + 1] ?? '')) j++;
    const verbatim = text[j] === '@' && /['"]/.test(text[j + 1] ?? '');
    if (verbatim) j++;
    if (text[j] === "'" || text[j] === '"') {
      const end = quotedEnd(text, j, verbatim);
      if (end === undefined) return { ok: false, reason: 'the query has an unterminated string' };
      tokens.push({ kind: 'string', text: text.slice(i, end) });
      i = end;
      continue;
    }
    // ['name'] and ["name"]: a name that need not be a plain identifier.
    if (c === '[' && (text[i + 1] === "'" || text[i + 1] === '"')) {
      const end = quotedEnd(text, i + 1, false);
      if (end !== undefined && text[end] === ']') {
        tokens.push({ kind: 'name', text: text.slice(i + 2, end - 1) });
        i = end + 1;
        continue;
      }
    }
    if (isNameStart(c)) {
      let end = i + 1;
      while (end < n && isNamePart(text[end] as string)) end++;
      tokens.push({ kind: 'name', text: text.slice(i, end) });
      i = end;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let end = i + 1;
      while (end < n && /[0-9A-Za-z_.]/.test(text[end] as string)) end++;
      tokens.push({ kind: 'number', text: text.slice(i, end) });
      i = end;
      continue;
    }
    tokens.push({ kind: 'punct', text: c });
    i++;
  }
  return { ok: true, tokens };
}

/** Token lists of the statements, split at top-level semicolons; empty statements dropped. */
function statements(tokens: readonly Token[]): Token[][] | undefined {
  const out: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') {
        depth--;
        if (depth < 0) return undefined;
      } else if (t.text === ';' && depth === 0) {
        if (current.length > 0) out.push(current);
        current = [];
        continue;
      }
    }
    current.push(t);
  }
  if (depth !== 0) return undefined;
  if (current.length > 0) out.push(current);
  return out;
}

const lower = (t: Token | undefined): string => (t?.kind === 'name' ? t.text.toLowerCase() : '');

/**
 * Whether an alert rule's query may run: exactly one query statement, after any number of `let`
 * declarations, and no function that reads another workspace, application, resource, cluster or
 * database, Azure Resource Graph, external data, or calls out to another service.
 */
export function checkAlertQuery(query: string): KqlCheck {
  if (query.length > MAX_QUERY_LENGTH)
    return { ok: false, reason: `the query is longer than ${MAX_QUERY_LENGTH} characters` };
  const lexed = lexKql(query);
  if (!lexed.ok) return lexed;
  const { tokens } = lexed;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'name') continue;
    const name = t.text.toLowerCase();
    const next = tokens[k + 1];
    if (CROSS_SCOPE.has(name) && next?.kind === 'punct' && next.text === '(')
      return { ok: false, reason: `the query calls ${name}(), which reads outside the rule's scope` };
    if (name === 'evaluate' && CALLOUT_PLUGINS.has(lower(next)))
      return { ok: false, reason: `the query calls out to another service (evaluate ${lower(next)})` };
    if (name === 'macro' && tokens[k + 1]?.text === '-' && lower(tokens[k + 2]) === 'expand')
      return { ok: false, reason: 'the query uses macro-expand, which reads outside the rule’s scope' };
  }
  const list = statements(tokens);
  if (!list) return { ok: false, reason: 'the query has unbalanced brackets' };
  if (list.length === 0) return { ok: false, reason: 'the query is empty' };
  const queries = list.filter((s) => lower(s[0]) !== 'let');
  const last = list[list.length - 1] as Token[];
  const keyword = STATEMENT_KEYWORDS.has(lower(last[0])) ? lower(last[0]) : undefined;
  if (queries.length === 0 || keyword === 'let')
    return { ok: false, reason: 'the query has no query statement after its let declarations' };
  if (queries.length > 1)
    return {
      ok: false,
      reason: `the query has ${queries.length} statements besides its let declarations; a rule runs one`,
    };
  if (keyword) return { ok: false, reason: `the query is a ${keyword} statement, not a query` };
  return { ok: true };
}
