import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCatalog, unclaimedRows } from '../../src/catalog/catalog.js';
import { UPSTREAM_ROWS } from '../../src/catalog/catalog.generated.js';
import { importUpstreamRows, renderGeneratedCatalog } from '../../src/catalog/importCatalog.js';
import { allEntries, findEntry } from '../../src/catalog/index.js';
import { OVERLAY } from '../../src/catalog/overlay.js';
import { parseUpstreamPage } from '../../src/catalog/parseUpstream.js';
import { CATEGORIES, SEVERITIES } from '../../src/model.js';

const upstream = (name: string): string =>
  readFileSync(new URL(`../../src/catalog/upstream/${name}`, import.meta.url), 'utf8');

/**
 * First cells of the data rows, read independently of the importer: every line that starts a table
 * row, minus header and separator rows. A row whose text breaks across lines still starts with `|`.
 */
function firstCells(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) => (l.split('|')[1] ?? '').trim())
    .filter(
      (c) => c !== '' && !c.startsWith('**') && !/^-+$/.test(c) && c !== 'Error code' && !/^-{3,}/.test(c),
    );
}

describe('the catalog built from the upstream pages', () => {
  it('is generated from the upstream copies exactly as committed', () => {
    const committed = readFileSync(
      new URL('../../src/catalog/catalog.generated.ts', import.meta.url),
      'utf8',
    );
    expect(committed).toBe(renderGeneratedCatalog());
    expect(UPSTREAM_ROWS).toEqual(importUpstreamRows());
  });

  it('reads every row of the three error-code tables and the auto-repair table', () => {
    const codes = upstream('aks-error-codes.md');
    const repair = upstream('node-auto-repair-errors.md');
    const parsedCodes = parseUpstreamPage(codes, 'aks-error-codes');
    const parsedRepair = parseUpstreamPage(repair, 'node-auto-repair-errors');
    expect(parsedCodes.map((r) => r.heading)).toEqual(firstCells(codes));
    expect(parsedRepair.map((r) => r.heading)).toEqual(firstCells(repair));
    expect(new Set(parsedCodes.map((r) => r.section))).toEqual(
      new Set(['A-K error codes', 'L-S error codes', 'T-Z error codes']),
    );
    expect(parsedRepair).toHaveLength(9);
    expect(parsedCodes.length).toBeGreaterThanOrEqual(70);
  });

  it('makes every upstream row an entry or an alias of one, each row exactly once', () => {
    expect(unclaimedRows().map((r) => r.heading)).toEqual([]);
    const claims = OVERLAY.flatMap((o) => o.rows);
    expect(new Set(claims).size).toBe(claims.length);
    expect(() => buildCatalog()).not.toThrow();
  });

  it('rejects an overlay that names a row upstream lacks', () => {
    const first = OVERLAY[0];
    if (!first) throw new Error('empty overlay');
    const broken = [...OVERLAY, { ...first, code: 'Ghost', rows: ['No such row'] }];
    expect(() => buildCatalog(UPSTREAM_ROWS, broken)).toThrow(/No such row/);
  });

  it('gives every entry a meaning, a mitigation, a documentation link, a category and a severity', () => {
    for (const e of allEntries()) {
      expect(e.meaning, e.code).not.toBe('');
      expect(e.mitigation, e.code).not.toBe('');
      expect(e.docUrl, e.code).toMatch(/^https:\/\/learn\.microsoft\.com\//);
      expect(CATEGORIES).toContain(e.category);
      expect(SEVERITIES).toContain(e.severity);
    }
  });

  it('fills the auto-repair rows that upstream leaves blank', () => {
    const rows = UPSTREAM_ROWS.filter((r) => r.page === 'node-auto-repair-errors');
    expect(rows.every((r) => r.description === '' && r.details === '')).toBe(true);
    for (const code of [
      'NodeAutoRepair/InvalidParameter',
      'VMRedeploymentFailed',
      'OutboundConnectivityNotEnabledOnVMSS',
    ]) {
      const e = findEntry(code);
      expect(e?.category).toBe('auto-repair');
      expect(e?.meaning.length).toBeGreaterThan(40);
      expect(e?.mitigation.length).toBeGreaterThan(40);
    }
  });

  it('finds entries by code or alias in any case', () => {
    expect(findEntry('subnetisfull')?.code).toBe('SubnetIsFull');
    expect(findEntry('VMExtensionError_OutboundConnFail')?.code).toBe('OutboundConnFailVMExtensionError');
    expect(findEntry('InsufficientVCPUQuota')?.code).toBe('QuotaExceeded');
    expect(findEntry('NoSuchCode')).toBeUndefined();
  });

  it('resolves upstream links to absolute Learn URLs without .md', () => {
    const links = UPSTREAM_ROWS.flatMap((r) => r.links);
    expect(links.length).toBeGreaterThan(60);
    for (const l of links)
      expect(l.url).toMatch(/^https:\/\/learn\.microsoft\.com\/troubleshoot\/azure\/[\w\-/#.]+$/);
    expect(links.some((l) => l.url.endsWith('.md'))).toBe(false);
  });

  it('keeps the earlier upstream copy as a subset of the complete page', () => {
    const earlier = firstCells(upstream('aks-error-codes.earlier-incomplete.md'));
    const complete = new Set(firstCells(upstream('aks-error-codes.md')));
    expect(earlier.length).toBeGreaterThan(0);
    for (const h of earlier) expect(complete.has(h), h).toBe(true);
  });

  it('gives every entry the words of its messages, or a reason it has none, each with its source', () => {
    for (const e of allEntries()) {
      if (e.phrases.length === 0) expect(e.noPhrases, e.code).toMatch(/\w{3,}.*\./);
      else expect(e.noPhrases, e.code).toBeUndefined();
      expect(e.provenance.phrases.map((p) => p.text)).toEqual(e.phrases);
      expect(e.provenance.aliases.map((a) => a.text)).toEqual(e.aliases);
      for (const { text, source } of [...e.provenance.phrases, ...e.provenance.aliases])
        expect(source, `${e.code}: ${text}`).toMatch(
          /^https:\/\/(?:learn\.microsoft\.com|github\.com)\/\S+$/,
        );
    }
  });

  it('spells each code once across entries, but for an auto-repair twin', () => {
    const seen = new Map<string, string>();
    for (const e of allEntries())
      for (const spelling of [e.code, ...e.aliases]) {
        const key = `${spelling.toLowerCase()}|${String(e.autoRepairOnly)}`;
        expect(seen.get(key), `${spelling} in ${e.code}`).toBeUndefined();
        seen.set(key, e.code);
      }
  });
});
