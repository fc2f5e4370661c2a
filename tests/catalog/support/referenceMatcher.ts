/**
 * The matcher as it was before the keyword automaton: regular expressions over the whole text. Kept
 * as the oracle the automaton-driven matcher must agree with (tests/catalog/matchOracle.test.ts).
 */
import type { CatalogEntry } from '../../../src/catalog/catalog.js';
import {
  BACKOFF_CODE,
  CSE_FAILED_CODE,
  WRAPPER_CODES,
  type CatalogMatch,
  type MatchResult,
} from '../../../src/catalog/match.js';

// Whole identifiers only: a code inside a longer identifier (after a digit or before an underscore) is no match.
const TOKEN = /\b[A-Za-z][A-Za-z0-9_]*[A-Za-z0-9]\b/g;
/*
 * Quotes may come escaped once or more (`\"code\": \"X\"`, `\\\"code\\\"`) when an error is nested
 * as a JSON string inside another error's message, so a quote is matched with any backslashes before it.
 */
const Q = String.raw`(?:\\*["'])`;
const CODE_NAME = '([A-Za-z][A-Za-z0-9_]{2,80})';
/**
 * Error codes in code positions: `Code="X"`, `"code": "X"`, `ErrorCode: X`, `ERROR CODE: X`,
 * `error code "X"`, and the az CLI's `(X) message` at the start of a line. A `SubCode` only refines
 * its code, so an unknown one is not reported (a known one still matches as a code token).
 */
const CODE_POSITION = new RegExp(
  String.raw`\b(?:error[ _]?)?code\b${Q}?\s*[:=]\s*${Q}?${CODE_NAME}|\berror code ${Q}${CODE_NAME}|(?:^|\n|ERROR: |\\n)\(${CODE_NAME}\)`,
  'gi',
);
/** Codes that stand as codes wherever they are: Windows bootstrap names, autoscaler backoffs, CSE summaries. */
const READERS = [
  /(?<![A-Za-z0-9_])WINDOWS_CSE_ERROR_[A-Z0-9_]+/gi,
  new RegExp(BACKOFF_CODE.source, 'gi'),
  new RegExp(CSE_FAILED_CODE.source, 'gi'),
];
const CODE_CONTEXT_BEFORE = new RegExp(
  String.raw`(?:(?:\b(?:error[ _]?|sub)?code|\bstatus)${Q}?\s*[:=]?\s*${Q}?|(?:^|\n|ERROR: )\()$`,
  'i',
);
const AUTO_REPAIR_CONTEXT = /auto-?repair/i;
// The bootstrap script runs as a Custom Script Extension; its handler reports "Enable failed: failed
// to execute command", which some wrappers quote without naming the extension.
const LINUX_CSE_CONTEXT = /vmssCSE|\bCSE\b|custom ?script|extension|enable failed|failed to execute command/i;
const LINUX_EXIT = new RegExp(
  String.raw`\bexit ?(?:status|code)${Q}?\s*[=:]?\s*(?:${Q}|\|)?(\d{1,3})\b`,
  'gi',
);
const WINDOWS_CSE_CONTEXT =
  /windows_cse_error_|\bcustomscriptextension\b|vmextensioncsewindowstroubleshoot|exitcode: \|/i;

interface TokenTarget {
  entry: CatalogEntry;
  via: 'code' | 'alias';
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*[A-Za-z0-9]$/;

/**
 * Compiles the catalog once: a token index (one hash lookup per identifier in the text, so cost is
 * linear in the text whatever the catalog size), phrase expressions run only on messages holding
 * a word each one requires, and the
 * bootstrap exit-status tables.
 */
export function createReferenceMatcher(entries: readonly CatalogEntry[]): {
  match(text: string): MatchResult;
} {
  const tokens = new Map<string, TokenTarget[]>();
  const addToken = (word: string, target: TokenTarget): void => {
    if (!IDENTIFIER.test(word)) return;
    const key = word.toLowerCase();
    tokens.set(key, [...(tokens.get(key) ?? []), target]);
  };
  const phrases: { entry: CatalogEntry; re: RegExp }[] = [];
  const linuxExit = new Map<number, CatalogEntry>();
  const windowsExit = new Map<number, CatalogEntry>();
  for (const entry of entries) {
    addToken(entry.code, { entry, via: 'code' });
    for (const alias of entry.aliases) addToken(alias, { entry, via: 'alias' });
    for (const p of entry.phrases) phrases.push({ entry, re: new RegExp(p, 'gi') });
    for (const s of entry.exitStatuses) linuxExit.set(s, entry);
    for (const s of entry.windowsExitCodes) windowsExit.set(s, entry);
  }

  return {
    match(text: string): MatchResult {
      const best = new Map<CatalogEntry, CatalogMatch>();
      const offer = (m: CatalogMatch): void => {
        const prior = best.get(m.entry);
        if (!prior || m.score > prior.score || (m.score === prior.score && m.index < prior.index))
          best.set(m.entry, m);
      };
      const autoRepair = AUTO_REPAIR_CONTEXT.test(text);

      for (const t of text.matchAll(TOKEN)) {
        const targets = tokens.get(t[0].toLowerCase());
        if (!targets) continue;
        const inCodePosition = CODE_CONTEXT_BEFORE.test(text.slice(Math.max(0, t.index - 16), t.index));
        // An auto-repair entry and a general one can share a code: the message decides which applies.
        const applicable = targets.filter(
          (x) => x.entry.autoRepairOnly === autoRepair || !hasTwin(targets, x),
        );
        for (const { entry, via } of applicable) {
          if (entry.autoRepairOnly && !autoRepair) continue;
          if (entry.needsCodeContext && !inCodePosition) continue;
          let score = inCodePosition ? 90 : 75;
          if (entry.generic) score -= 30;
          if (entry.autoRepairOnly) score += 10;
          offer({ entry, matchedText: t[0], index: t.index, via, score });
        }
      }

      for (const p of phrases) {
        // exec on the compiled expression: matchAll would construct a copy of it for every message.
        p.re.lastIndex = 0;
        for (let m = p.re.exec(text); m; m = p.re.exec(text)) {
          if (m[0] === '') {
            p.re.lastIndex++;
            continue;
          }
          offer({
            entry: p.entry,
            matchedText: m[0],
            index: m.index,
            via: 'phrase',
            // A longer matched phrase is more specific evidence ("would violate the pod's disruption
            // budget" over "upgrade blocked"); the bonus stays below what a code token scores.
            score: (p.entry.generic ? 35 : 65) + Math.min(9, Math.floor(m[0].length / 8)),
          });
        }
      }

      if (LINUX_CSE_CONTEXT.test(text)) {
        const windows = WINDOWS_CSE_CONTEXT.test(text);
        for (const m of text.matchAll(LINUX_EXIT)) {
          const status = Number(m[1]);
          const entry = (windows ? windowsExit : linuxExit).get(status);
          if (entry) offer({ entry, matchedText: m[0], index: m.index, via: 'exit-status', score: 100 });
        }
      }

      const candidates = [
        ...everyMatch(CODE_POSITION, text).map((m) => ({
          code: m[1] ?? m[2] ?? m[3] ?? '',
          index: m.index,
          end: m.index + m[0].length,
        })),
        ...READERS.flatMap((re) =>
          [...text.matchAll(re)].map((m) => ({
            code: m[1] ?? m[0],
            index: m.index,
            end: m.index + m[0].length,
          })),
        ),
      ].sort((a, b) => a.index - b.index);
      const positioned: { code: string; index: number }[] = [];
      let reached = 0;
      for (const c of candidates) {
        if (c.index < reached) continue;
        positioned.push(c);
        reached = c.end;
      }
      // Errors nest outer to inner, so an unknown code that comes before a specific code the catalog
      // knows is the operation that failed because of it (ReconcileResourceGroupError around
      // RequestDisallowedByPolicy), not an error of its own.
      let lastKnown = -1;
      for (const p of positioned) {
        const known = tokens.get(p.code.toLowerCase());
        if (known?.some((t) => !t.entry.generic && !t.entry.autoRepairOnly)) lastKnown = p.index;
      }
      const matches = [...best.values()].sort((a, b) => b.score - a.score || a.index - b.index);
      const explained = new Set(matches.flatMap((m) => m.entry.explains.map((c) => c.toLowerCase())));
      const unrecognised: string[] = [];
      const seen = new Set<string>();
      for (const { code, index } of positioned) {
        const key = code.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        if (tokens.has(key) || WRAPPER_CODES.has(key) || explained.has(key) || index < lastKnown) continue;
        unrecognised.push(code);
      }

      return { matches, unrecognised };
    },
  };
}

/** The match starting at every position where one starts, overlapping ones included (a global regex). */
function everyMatch(re: RegExp, text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(m);
    re.lastIndex = m.index + 1;
  }
  return out;
}

function hasTwin(targets: readonly TokenTarget[], x: TokenTarget): boolean {
  return targets.some((o) => o !== x && o.entry.autoRepairOnly !== x.entry.autoRepairOnly);
}
