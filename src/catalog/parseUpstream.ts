/**
 * Reads the upstream AKS troubleshooting pages (Markdown) into plain table rows. Pure: the
 * importer script writes the result to `catalog.generated.ts`, and a test re-runs it to prove the
 * committed file is current.
 */

export type UpstreamPage = 'aks-error-codes' | 'node-auto-repair-errors';

export interface UpstreamLink {
  title: string;
  url: string;
}

export interface UpstreamRow {
  page: UpstreamPage;
  /** The section the table sits under (e.g. "A-K error codes"). */
  section: string;
  /** The first cell as written upstream, markup removed. */
  heading: string;
  /** Second cell: description (error-code page) or potential causes (auto-repair page; blank upstream). */
  description: string;
  /** Third cell with links reduced to their titles: mitigation or next steps. */
  details: string;
  /** Links in the third cell, resolved to absolute Learn URLs. */
  links: UpstreamLink[];
}

/** Where each page lives on Learn; relative links resolve against it. */
export const PAGE_URLS: Record<UpstreamPage, string> = {
  'aks-error-codes':
    'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/aks-error-code-page',
  'node-auto-repair-errors':
    'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/availability-performance/node-auto-repair-errors',
};

/** Resolves a Markdown link target the way Learn publishes it (no `.md`, relative to the page). */
export function resolveLearnLink(href: string, pageUrl: string): string {
  const trimmed = href.trim();
  if (/^https?:\/\//i.test(trimmed)) return trimmed;
  const url = new URL(trimmed, pageUrl);
  url.pathname = url.pathname.replace(/\.md$/i, '');
  return url.toString();
}

/** Splits one Markdown table row into trimmed cells (pipes inside backticks or links are kept). */
export function splitRow(line: string): string[] {
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const cells: string[] = [];
  let cell = '';
  let depth = 0;
  let code = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? '';
    if (ch === '\\' && body[i + 1] === '|') {
      cell += '|';
      i++;
      continue;
    }
    if (ch === '`') code = !code;
    if (!code && (ch === '[' || ch === '(')) depth++;
    if (!code && (ch === ']' || ch === ')')) depth = Math.max(0, depth - 1);
    if (ch === '|' && depth === 0 && !code) {
      cells.push(cell.trim());
      cell = '';
      continue;
    }
    cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

function plain(text: string): string {
  return text
    .replace(/\*\*|__/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function linksOf(cell: string, pageUrl: string): { text: string; links: UpstreamLink[] } {
  const links: UpstreamLink[] = [];
  const text = cell.replace(/\[([^\]]*)\]\(([^)\s]*)\)/g, (_m, title: string, href: string) => {
    if (href.trim()) links.push({ title: plain(title), url: resolveLearnLink(href, pageUrl) });
    return title;
  });
  return { text: plain(text), links };
}

/**
 * Lines with table rows re-joined: upstream has a row whose link breaks across two lines, which
 * would otherwise end the table and swallow the next row as a header.
 */
function logicalLines(markdown: string): string[] {
  const out: string[] = [];
  let pending: string | undefined;
  for (const raw of markdown.split(/\r?\n/)) {
    const line = raw.trim();
    if (pending !== undefined) {
      pending += line;
      if (line.endsWith('|') || line === '') {
        out.push(pending);
        pending = undefined;
      }
      continue;
    }
    if (line.startsWith('|') && !line.endsWith('|')) pending = line;
    else out.push(line);
  }
  if (pending !== undefined) out.push(pending);
  return out;
}

const SEPARATOR = /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

/** Every data row of every table on the page, in page order. Header rows and blank rows are skipped. */
export function parseUpstreamPage(markdown: string, page: UpstreamPage): UpstreamRow[] {
  const pageUrl = PAGE_URLS[page];
  const rows: UpstreamRow[] = [];
  let section = '';
  let inTable = false;
  let headerSeen = false;
  for (const line of logicalLines(markdown)) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      section = plain(heading[1] ?? '');
      inTable = false;
      continue;
    }
    if (!line.startsWith('|')) {
      inTable = false;
      headerSeen = false;
      continue;
    }
    if (!inTable) {
      inTable = true;
      headerSeen = false;
      continue; // the header row
    }
    if (!headerSeen && SEPARATOR.test(line)) {
      headerSeen = true;
      continue;
    }
    const cells = splitRow(line);
    const first = plain(cells[0] ?? '');
    if (!first) continue;
    const details = linksOf(cells[2] ?? '', pageUrl);
    rows.push({
      page,
      section,
      heading: first,
      description: linksOf(cells[1] ?? '', pageUrl).text,
      details: details.text,
      links: details.links,
    });
  }
  return rows;
}
