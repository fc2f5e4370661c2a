import type { CatalogLookup } from '../ports.js';
import { match, toFailureMatch } from './index.js';

/** The catalog as enrichment asks it. */
export const catalogLookup: CatalogLookup = {
  matchText(text) {
    const r = match(text);
    return { matches: r.matches.map(toFailureMatch), unrecognised: r.unrecognised };
  },
};
