import type { CatalogLookup } from '../ports.js';
import type { MatchResult } from './match.js';
import { match, toFailureMatch } from './index.js';

/**
 * The error a text reports, as one key that two sources of one failure share and two different
 * failures do not: the primary entry's code; for a broad entry recognised by its words, the words
 * too (a reboot and a reimage that failed are two failures of one broad entry); else the first code
 * the catalog lacks.
 */
function errorKeyOf(result: MatchResult): string | undefined {
  const top = result.matches[0];
  if (!top) return result.unrecognised[0];
  if (top.entry.generic && top.via === 'phrase')
    return `${top.entry.code} ${top.matchedText.toLowerCase().replace(/\s+/g, ' ')}`;
  return top.entry.code;
}

/** The catalog as enrichment asks it. */
export const catalogLookup: CatalogLookup = {
  matchText(text) {
    const r = match(text);
    const errorKey = errorKeyOf(r);
    return {
      matches: r.matches.map(toFailureMatch),
      unrecognised: r.unrecognised,
      ...(errorKey ? { errorKey } : {}),
    };
  },
};
