import type { CatalogEntry } from './catalog.js';
import { compileKeywords } from './keywordAutomaton.js';

/** One catalog entry found in a text. */
export interface CatalogMatch {
  entry: CatalogEntry;
  /** The exact text that matched. */
  matchedText: string;
  /** Where it matched (UTF-16 offset). */
  index: number;
  via: 'code' | 'alias' | 'phrase' | 'exit-status';
  /** Higher is more specific; matches are ordered by it, then by position. */
  score: number;
}

export interface MatchResult {
  /** Best first; one per entry. */
  matches: CatalogMatch[];
  /** Error codes in code positions (`Code="X"`, `"code": "X"`) that the catalog does not know. */
  unrecognised: string[];
}

/**
 * Codes that only wrap the real error (which sits in `details` or the message), or that say nothing
 * an operator can act on: never reported as missing from the catalog.
 */
export const WRAPPER_CODES: ReadonlySet<string> = new Set(
  [
    'DeploymentFailed',
    'ResourceDeploymentFailure',
    'ResourceOperationFailure',
    'Conflict',
    'BadRequest',
    'InternalServerError',
    'InternalOperationError',
    'OperationFailed',
    'Failed',
    'Unknown',
    'GatewayTimeout',
    'NotFound',
    'Canceled',
    'UpgradeFailed',
    'CreateVMSSAgentPoolFailed',
    'ReconcileVMSSAgentPoolFailed',
    'Cancelled',
    // Template validation wraps the real error ("See inner errors for details").
    'InvalidTemplateDeployment',
  ].map((c) => c.toLowerCase()),
);

/*
 * Quotes may come escaped once or more (`\"code\": \"X\"`, `\\\"code\\\"`) when an error is nested
 * as a JSON string inside another error's message, so a quote is matched with any backslashes before it.
 */
const Q = String.raw`(?:\\*["'])`;
const CODE_NAME = '([A-Za-z][A-Za-z0-9_]{2,80})';
const CODE_CONTEXT_BEFORE = new RegExp(
  String.raw`(?:(?:\b(?:error[ _]?|sub)?code|\bstatus)${Q}?\s*[:=]?\s*${Q}?|(?:^|\n|ERROR: )\()$`,
  'i',
);
const LINUX_EXIT = new RegExp(
  String.raw`\bexit ?(?:status|code)${Q}?\s*[=:]?\s*(?:${Q}|\|)?(\d{1,3})\b`,
  'gi',
);
/** A Windows bootstrap error name: always an error code, wherever it stands. */
const WINDOWS_CSE_NAME = /WINDOWS_CSE_ERROR_[A-Z0-9_]+/iy;
/** The cluster autoscaler's backoff status, `{OutOfResource <Code> <message>}`. */
export const BACKOFF_CODE = new RegExp(String.raw`\{(?:OutOfResources?|OtherError) ${CODE_NAME}`, 'iy');
/** AKS's summary of a bootstrap failure, `CSE failed with 'VMExtensionError_…'`. */
export const CSE_FAILED_CODE = new RegExp(String.raw`CSE failed with ${Q}${CODE_NAME}`, 'iy');

interface TokenTarget {
  entry: CatalogEntry;
  via: 'code' | 'alias';
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*[A-Za-z0-9]$/;

/**
 * The texts every match of the phrase must contain (lower case, at least 3 characters each), read
 * from the pattern's top level: literal runs outside groups and classes that no quantifier makes
 * optional. Lets the matcher skip a phrase's expression for every message that lacks one of them.
 * Empty when the top level alternates (nothing is then certain).
 */
export function requiredLiterals(pattern: string): string[] {
  const literals: string[] = [];
  let depth = 0;
  let run = '';
  const flush = (optional: boolean) => {
    const literal = (optional ? run.slice(0, -1) : run).trim().toLowerCase();
    if (literal.length >= 3) literals.push(literal);
    run = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? '';
    if (ch === '\\') {
      flush(false);
      i++;
      continue;
    }
    if (ch === '(' || ch === '[') {
      flush(false);
      depth++;
      continue;
    }
    if (ch === ')' || ch === ']') {
      depth = Math.max(0, depth - 1);
      run = '';
      continue;
    }
    if (depth > 0) continue;
    if (ch === '|') return []; // a top-level alternative: no text is certain
    if (ch === '?' || ch === '*' || ch === '{') {
      flush(true);
      if (ch === '{') i = Math.max(i, pattern.indexOf('}', i));
      continue;
    }
    // Printable ASCII that is no operator stands for itself.
    if (/^[ -~]$/.test(ch) && !'.^$+}'.includes(ch)) run += ch;
    else flush(false);
  }
  flush(false);
  return [...new Set(literals)];
}

export interface Matcher {
  match(text: string): MatchResult;
}

/** What a keyword of the automaton stands for; one keyword may stand for several things. */
type Role =
  | { kind: 'token'; targets: readonly TokenTarget[] }
  | { kind: 'literal'; literal: number }
  | { kind: 'flag'; flag: Flag; bounded: boolean }
  | { kind: 'code' }
  | { kind: 'paren' }
  | { kind: 'reader'; re: RegExp; bounded: boolean };

const enum Flag {
  AutoRepair = 1,
  Cse = 2,
  WindowsCse = 4,
  Exit = 8,
}

/**
 * Words that give a message its context (`bounded`: only as a whole word). The bootstrap script runs
 * as a Custom Script Extension; its handler reports "Enable failed: failed to execute command",
 * which some wrappers quote without naming the extension. The Windows bootstrap runs under the
 * Windows handler (`CustomScriptExtension`), names its error `WINDOWS_CSE_ERROR_…` and prints its exit
 * code as `ExitCode: |N|`; its codes are numbered apart from the Linux statuses.
 */
const FLAG_KEYWORDS: readonly [string, Flag, boolean][] = [
  ['auto-repair', Flag.AutoRepair, false],
  ['autorepair', Flag.AutoRepair, false],
  ['vmsscse', Flag.Cse, false],
  ['cse', Flag.Cse, true],
  ['custom script', Flag.Cse, false],
  ['customscript', Flag.Cse, false],
  ['extension', Flag.Cse, false],
  ['enable failed', Flag.Cse, false],
  ['failed to execute command', Flag.Cse, false],
  ['windows_cse_error_', Flag.WindowsCse, false],
  ['customscriptextension', Flag.WindowsCse, true],
  ['vmextensioncsewindowstroubleshoot', Flag.WindowsCse, false],
  ['exitcode: |', Flag.WindowsCse, false],
  ['exit', Flag.Exit, false],
];

/*
 * Error codes in code positions: `Code="X"`, `"code": "X"`, `ErrorCode: X`, `ERROR CODE: X`,
 * `error code "X"`, and the az CLI's `(X) message` at the start of a line. A `SubCode` only refines
 * its code, so an unknown one is not reported (a known one still matches as a code token).
 */
/** `code` followed by its value, from the `code` keyword on (sticky). */
const CODE_VALUE = new RegExp(String.raw`code\b${Q}?\s*[:=]\s*${Q}?${CODE_NAME}`, 'iy');
/** `error code "X"`, from `error` on (sticky). */
const ERROR_CODE_QUOTED = new RegExp(String.raw`error code ${Q}${CODE_NAME}`, 'iy');
/** The az CLI's `(X)`, from the parenthesis on (sticky). */
const PAREN_CODE = new RegExp(String.raw`\(${CODE_NAME}\)`, 'y');

/**
 * Compiles the catalog once into one keyword automaton (every code and alias, a word each phrase
 * requires, and the words that give a message its context), so a message is read in a single pass
 * whatever the catalog size. Regular expressions then run only where the automaton found their
 * keywords: a phrase where the texts it requires occur, a code position where `code` occurs, an exit status
 * where a bootstrap extension and `exit` occur.
 */
export function createMatcher(entries: readonly CatalogEntry[]): Matcher {
  const tokens = new Map<string, TokenTarget[]>();
  const addToken = (word: string, target: TokenTarget): void => {
    if (!IDENTIFIER.test(word)) return;
    const key = word.toLowerCase();
    tokens.set(key, [...(tokens.get(key) ?? []), target]);
  };
  const phrases: { entry: CatalogEntry; re: RegExp; literals: number[] }[] = [];
  const literalIds = new Map<string, number>();
  const linuxExit = new Map<number, CatalogEntry>();
  const windowsExit = new Map<number, CatalogEntry>();
  for (const entry of entries) {
    addToken(entry.code, { entry, via: 'code' });
    for (const alias of entry.aliases) addToken(alias, { entry, via: 'alias' });
    for (const p of entry.phrases) {
      const literals = requiredLiterals(p).map((literal) => {
        const id = literalIds.get(literal) ?? literalIds.size;
        literalIds.set(literal, id);
        return id;
      });
      phrases.push({ entry, re: new RegExp(p, 'gi'), literals });
    }
    for (const s of entry.exitStatuses) linuxExit.set(s, entry);
    for (const s of entry.windowsExitCodes) windowsExit.set(s, entry);
  }

  const roles = new Map<string, Role[]>();
  const addRole = (keyword: string, role: Role): void => {
    roles.set(keyword, [...(roles.get(keyword) ?? []), role]);
  };
  for (const [key, targets] of tokens) addRole(key, { kind: 'token', targets });
  for (const [literal, id] of literalIds) addRole(literal, { kind: 'literal', literal: id });
  for (const [keyword, flag, bounded] of FLAG_KEYWORDS) addRole(keyword, { kind: 'flag', flag, bounded });
  addRole('code', { kind: 'code' });
  addRole('\n(', { kind: 'paren' });
  addRole('error: (', { kind: 'paren' });
  // The az CLI's output quoted inside a JSON string: its line breaks are `\n` escapes.
  addRole('\\n(', { kind: 'paren' });
  addRole('windows_cse_error_', { kind: 'reader', re: WINDOWS_CSE_NAME, bounded: true });
  addRole('{outofresource', { kind: 'reader', re: BACKOFF_CODE, bounded: false });
  addRole('{othererror', { kind: 'reader', re: BACKOFF_CODE, bounded: false });
  addRole('cse failed with ', { kind: 'reader', re: CSE_FAILED_CODE, bounded: false });
  const keywords = [...roles.keys()];
  const keywordRoles = keywords.map((k) => roles.get(k) ?? []);
  const automaton = compileKeywords(keywords);
  const keywordLength = Int32Array.from(keywords, (k) => k.length);

  // The phrases each required text belongs to, so only phrases with a text present are checked.
  const phrasesOf: number[][] = Array.from({ length: literalIds.size }, () => []);
  phrases.forEach((p, index) => {
    for (const id of p.literals) phrasesOf[id]?.push(index);
  });
  const unconditional = phrases.flatMap((p, index) => (p.literals.length === 0 ? [index] : []));

  // Scratch space reused across calls (matching is synchronous): hits, and per required text and
  // phrase the number of the call that last saw it, so nothing is cleared between messages.
  const hits: number[] = [];
  const literalSeen = new Int32Array(literalIds.size);
  const phraseSeen = new Int32Array(phrases.length);
  let call = 0;

  return {
    match(text: string): MatchResult {
      call = (call + 1) | 0 || 1;
      hits.length = 0;
      automaton.scan(text, hits);
      if (hits.length === 0 && unconditional.length === 0 && codeAt(text, 0) !== 40)
        return { matches: [], unrecognised: [] };

      let flags = 0;
      const tokenHits: TokenHit[] = [];
      const candidates = unconditional.length === 0 ? [] : [...unconditional];
      const codeStarts: number[] = [];
      // The introducing text's start and the parenthesis, in pairs.
      const parenStarts: number[] = codeAt(text, 0) === 40 ? [0, 0] : [];
      const readCodes: Positioned[] = [];
      for (let h = 0; h < hits.length; h += 2) {
        const keyword = hits[h] ?? 0;
        const end = hits[h + 1] ?? 0;
        const start = end - (keywordLength[keyword] ?? 0);
        for (const role of keywordRoles[keyword] ?? []) {
          switch (role.kind) {
            case 'token':
              if (isWholeWord(text, start, end)) tokenHits.push({ targets: role.targets, start, end });
              break;
            case 'literal':
              literalSeen[role.literal] = call;
              for (const phrase of phrasesOf[role.literal] ?? [])
                if (phraseSeen[phrase] !== call) {
                  phraseSeen[phrase] = call;
                  candidates.push(phrase);
                }
              break;
            case 'flag':
              if (!role.bounded || isWholeWord(text, start, end)) flags |= role.flag;
              break;
            case 'code':
              codeStarts.push(start);
              break;
            case 'paren':
              parenStarts.push(start, end - 1);
              break;
            case 'reader': {
              if (role.bounded && isWordChar(codeAt(text, start - 1))) break;
              role.re.lastIndex = start;
              const m = role.re.exec(text);
              if (m) readCodes.push({ code: m[1] ?? m[0], index: start, end: role.re.lastIndex });
              break;
            }
          }
        }
      }

      const best = new Map<CatalogEntry, CatalogMatch>();
      const autoRepair = (flags & Flag.AutoRepair) !== 0;
      for (const hit of tokenHits) offerToken(best, text, hit, autoRepair);

      // In the order of the catalog, as an entry's equally scored matches are kept first come.
      sortSmall(candidates);
      for (const index of candidates) {
        const p = phrases[index];
        if (p && p.literals.every(seenNow, literalSeen)) offerPhrase(best, text, p.entry, p.re);
      }

      if ((flags & Flag.Cse) !== 0 && (flags & Flag.Exit) !== 0) {
        const windows = (flags & Flag.WindowsCse) !== 0;
        LINUX_EXIT.lastIndex = 0;
        for (let m = LINUX_EXIT.exec(text); m; m = LINUX_EXIT.exec(text)) {
          const status = Number(m[1]);
          const entry = (windows ? windowsExit : linuxExit).get(status);
          if (entry)
            offer(best, { entry, matchedText: m[0], index: m.index, via: 'exit-status', score: 100 });
        }
      }

      const positioned = codesInPosition(text, codeStarts, parenStarts, readCodes);
      const matches = [...best.values()];
      const unrecognised = positioned.length === 0 ? [] : unknownCodes(positioned, tokens, matches);
      if (matches.length > 1) matches.sort((a, b) => b.score - a.score || a.index - b.index);
      return { matches, unrecognised };
    },
  };

  /** `this` is the call's stamp table; a text counts when this call saw it. */
  function seenNow(this: Int32Array, id: number): boolean {
    return this[id] === call;
  }
}

/** Insertion sort: the candidate lists are a handful long, where Array.prototype.sort costs most. */
function sortSmall(xs: number[]): void {
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i] ?? 0;
    let j = i - 1;
    for (; j >= 0 && (xs[j] ?? 0) > x; j--) xs[j + 1] = xs[j] ?? 0;
    xs[j + 1] = x;
  }
}

function isSpecific(t: TokenTarget): boolean {
  return !t.entry.generic && !t.entry.autoRepairOnly;
}

interface TokenHit {
  targets: readonly TokenTarget[];
  start: number;
  end: number;
}

function offer(best: Map<CatalogEntry, CatalogMatch>, m: CatalogMatch): void {
  const prior = best.get(m.entry);
  if (!prior || m.score > prior.score || (m.score === prior.score && m.index < prior.index))
    best.set(m.entry, m);
}

function offerToken(
  best: Map<CatalogEntry, CatalogMatch>,
  text: string,
  { targets, start, end }: TokenHit,
  autoRepair: boolean,
): void {
  const inCodePosition = CODE_CONTEXT_BEFORE.test(text.slice(Math.max(0, start - 16), start));
  for (const x of targets) {
    const { entry, via } = x;
    // An auto-repair entry and a general one can share a code: the message decides which applies.
    if (entry.autoRepairOnly !== autoRepair && hasTwin(targets, x)) continue;
    if (entry.autoRepairOnly && !autoRepair) continue;
    if (entry.needsCodeContext && !inCodePosition) continue;
    let score = inCodePosition ? 90 : 75;
    if (entry.generic) score -= 30;
    if (entry.autoRepairOnly) score += 10;
    offer(best, { entry, matchedText: text.slice(start, end), index: start, via, score });
  }
}

function offerPhrase(
  best: Map<CatalogEntry, CatalogMatch>,
  text: string,
  entry: CatalogEntry,
  re: RegExp,
): void {
  // exec on the compiled expression: matchAll would construct a copy of it for every message.
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] === '') {
      re.lastIndex++;
      continue;
    }
    offer(best, {
      entry,
      matchedText: m[0],
      index: m.index,
      via: 'phrase',
      // A longer matched phrase is more specific evidence ("would violate the pod's disruption
      // budget" over "upgrade blocked"); the bonus stays below what a code token scores.
      score: (entry.generic ? 35 : 65) + Math.min(9, Math.floor(m[0].length / 8)),
    });
  }
}

/**
 * The codes in code positions the catalog does not know. Errors nest outer to inner, so an unknown
 * code that comes before a specific code the catalog knows is the operation that failed because of
 * it (ReconcileResourceGroupError around RequestDisallowedByPolicy), not an error of its own.
 */
function unknownCodes(
  positioned: readonly Positioned[],
  tokens: ReadonlyMap<string, readonly TokenTarget[]>,
  matches: readonly CatalogMatch[],
): string[] {
  // A code an entry that matched explains (PropertyChangeNotAllowed beside the imageReference change).
  const explained = new Set(matches.flatMap((m) => m.entry.explains.map((c) => c.toLowerCase())));
  const keys = positioned.map((p) => p.code.toLowerCase());
  let lastKnown = -1;
  positioned.forEach((p, i) => {
    const known = tokens.get(keys[i] ?? '');
    if (known?.some(isSpecific)) lastKnown = p.index;
  });
  const unrecognised: string[] = [];
  positioned.forEach(({ code, index }, i) => {
    const key = keys[i] ?? '';
    if (
      tokens.has(key) ||
      WRAPPER_CODES.has(key) ||
      explained.has(key) ||
      index < lastKnown ||
      keys.indexOf(key) < i
    )
      return;
    unrecognised.push(code);
  });
  return unrecognised;
}

interface Positioned {
  code: string;
  /** Where the code position starts (its keyword or the text introducing it). */
  index: number;
  end: number;
}

/**
 * The codes in code positions, left to right and not overlapping, read where the automaton saw
 * `code` (`Code="X"`, `"code": "X"`, `ErrorCode: X`, `error code "X"`), a parenthesis that opens
 * the text, a line (also an escaped `\n`) or `ERROR: ` (the az CLI's `(X) message`), plus the codes
 * the readers found (`WINDOWS_CSE_ERROR_…`, the autoscaler's `{OutOfResource X …}`, `CSE failed
 * with 'X'`).
 */
function codesInPosition(
  text: string,
  codeStarts: readonly number[],
  parenStarts: readonly number[],
  readCodes: readonly Positioned[],
): Positioned[] {
  if (codeStarts.length === 0 && parenStarts.length === 0 && readCodes.length === 0) return [];
  const found: Positioned[] = [...readCodes];
  for (const at of codeStarts) {
    CODE_VALUE.lastIndex = at;
    const value = CODE_VALUE.exec(text);
    const valueEnd = CODE_VALUE.lastIndex;
    // `code` opens a word, or ends `error`, `error_` or `error ` that opens one. Every start is a
    // candidate: when the earliest overlaps the code before it, a later one may still match.
    if (value && !isWordChar(codeAt(text, at - 1)))
      found.push({ code: value[1] ?? '', index: at, end: valueEnd });
    for (const prefix of ['error_', 'error ', 'error']) {
      const from = at - prefix.length;
      if (from < 0 || isWordChar(codeAt(text, from - 1)) || text.slice(from, at).toLowerCase() !== prefix)
        continue;
      if (value) {
        found.push({ code: value[1] ?? '', index: from, end: valueEnd });
      } else if (prefix === 'error ') {
        ERROR_CODE_QUOTED.lastIndex = from;
        const quoted = ERROR_CODE_QUOTED.exec(text);
        if (quoted) found.push({ code: quoted[1] ?? '', index: from, end: ERROR_CODE_QUOTED.lastIndex });
      }
      break;
    }
  }
  // In pairs: the start of what introduced the parenthesis (a line break or `ERROR: `), the parenthesis.
  for (let i = 0; i < parenStarts.length; i += 2) {
    const at = parenStarts[i + 1] ?? 0;
    PAREN_CODE.lastIndex = at;
    const paren = PAREN_CODE.exec(text);
    if (paren) found.push({ code: paren[1] ?? '', index: parenStarts[i] ?? 0, end: PAREN_CODE.lastIndex });
  }
  found.sort((a, b) => a.index - b.index);
  const positioned: Positioned[] = [];
  let reached = 0;
  for (const f of found) {
    if (f.index < reached) continue;
    positioned.push(f);
    reached = f.end;
  }
  return positioned;
}

/** The character code at `i`, or -1 outside the text (reading past either end slows the optimised code). */
function codeAt(text: string, i: number): number {
  return i >= 0 && i < text.length ? text.charCodeAt(i) : -1;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Neither the character before nor the one after continues the word. */
function isWholeWord(text: string, start: number, end: number): boolean {
  return !isWordChar(codeAt(text, start - 1)) && !isWordChar(codeAt(text, end));
}

function hasTwin(targets: readonly TokenTarget[], x: TokenTarget): boolean {
  return targets.some((o) => o !== x && o.entry.autoRepairOnly !== x.entry.autoRepairOnly);
}
