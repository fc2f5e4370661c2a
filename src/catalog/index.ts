import type { FailureMatch } from '../model.js';
import type { CatalogEntry } from './catalog.js';
import { buildCatalog } from './catalog.js';
import type { CatalogMatch, MatchResult, Matcher } from './match.js';
import { createMatcher } from './match.js';

export type { CatalogEntry } from './catalog.js';
export type { CatalogMatch, MatchResult } from './match.js';

let cached: { entries: CatalogEntry[]; matcher: Matcher; byCode: Map<string, CatalogEntry> } | undefined;

function catalog() {
  if (!cached) {
    const entries = buildCatalog();
    const byCode = new Map<string, CatalogEntry>();
    for (const e of entries) {
      byCode.set(e.code.toLowerCase(), e);
    }
    for (const e of entries) {
      for (const a of e.aliases) if (!byCode.has(a.toLowerCase())) byCode.set(a.toLowerCase(), e);
    }
    cached = { entries, matcher: createMatcher(entries), byCode };
  }
  return cached;
}

/** Every catalog entry, in upstream order. */
export function allEntries(): readonly CatalogEntry[] {
  return catalog().entries;
}

/** The entry for a code or alias, case-insensitively. */
export function findEntry(code: string): CatalogEntry | undefined {
  return catalog().byCode.get(code.trim().toLowerCase());
}

/** Matches one raw failure text against the catalog. */
export function match(text: string): MatchResult {
  return catalog().matcher.match(text);
}

export function toFailureMatch(m: CatalogMatch): FailureMatch {
  const e = m.entry;
  return {
    code: e.code,
    aliases: e.aliases,
    title: e.title,
    category: e.category,
    severity: e.severity,
    meaning: e.meaning,
    mitigation: e.mitigation,
    docUrl: e.docUrl,
    matchedText: m.matchedText,
  };
}
