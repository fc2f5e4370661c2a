import type { Category, Severity } from '../model.js';
import { UPSTREAM_ROWS } from './catalog.generated.js';
import { MITIGATIONS } from './mitigations.js';
import type { OverlayEntry, Sourced } from './overlay.js';
import { OVERLAY } from './overlay.js';
import type { UpstreamRow } from './parseUpstream.js';

/** One documented AKS error, as the matcher and enrichment use it. */
export interface CatalogEntry {
  code: string;
  aliases: string[];
  title: string;
  category: Category;
  severity: Severity;
  /** What the error means (upstream description and details, or the overlay for blank rows). */
  meaning: string;
  /** What to do about it. */
  mitigation: string;
  docUrl: string;
  docTitle: string;
  /** The upstream rows (first-column headings) this entry was built from. */
  upstreamRows: string[];
  phrases: string[];
  /** Where each alias and phrase was taken from (the page showing that wording). */
  provenance: { aliases: Sourced[]; phrases: Sourced[] };
  /** Why the entry has no phrases, when it has none. */
  noPhrases?: string;
  /** Codes the entry explains when it matches, though they are no spelling of it. */
  explains: string[];
  exitStatuses: number[];
  windowsExitCodes: number[];
  needsCodeContext: boolean;
  generic: boolean;
  autoRepairOnly: boolean;
}

const MORE_INFO = /\s*For more information,? see\b.*$/i;

function sentence(text: string): string {
  const t = text.trim();
  if (!t) return '';
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function build(overlay: OverlayEntry, rows: readonly UpstreamRow[]): CatalogEntry {
  const first = rows[0];
  const link = rows.flatMap((r) => r.links)[0];
  const upstreamMeaning = first
    ? [sentence(first.description), sentence(first.details.replace(MORE_INFO, ''))].filter(Boolean).join(' ')
    : '';
  const docUrl = overlay.docUrl ?? link?.url ?? '';
  return {
    code: overlay.code,
    aliases: (overlay.aliases ?? []).map((a) => a.text),
    title: overlay.title,
    category: overlay.category,
    severity: overlay.severity,
    meaning: overlay.meaning ?? upstreamMeaning,
    mitigation: overlay.mitigation ?? MITIGATIONS[overlay.code] ?? (link ? `See "${link.title}".` : ''),
    docUrl,
    docTitle: link?.title ?? overlay.title,
    upstreamRows: overlay.rows,
    phrases: (overlay.phrases ?? []).map((p) => p.text),
    provenance: { aliases: overlay.aliases ?? [], phrases: overlay.phrases ?? [] },
    ...(overlay.noPhrases ? { noPhrases: overlay.noPhrases } : {}),
    explains: overlay.explains ?? [],
    exitStatuses: overlay.exitStatuses ?? [],
    windowsExitCodes: overlay.windowsExitCodes ?? [],
    needsCodeContext: overlay.needsCodeContext ?? false,
    generic: overlay.generic ?? false,
    autoRepairOnly: overlay.autoRepairOnly ?? false,
  };
}

/** Joins the upstream rows with the overlay. Throws on a row claimed twice or an overlay row upstream lacks. */
export function buildCatalog(
  upstream: readonly UpstreamRow[] = UPSTREAM_ROWS,
  overlay: readonly OverlayEntry[] = OVERLAY,
): CatalogEntry[] {
  const byHeading = new Map<string, UpstreamRow[]>();
  for (const row of upstream) byHeading.set(row.heading, [...(byHeading.get(row.heading) ?? []), row]);
  const claimed = new Set<string>();
  const problems: string[] = [];
  const entries = overlay.map((o) => {
    const rows: UpstreamRow[] = [];
    for (const heading of o.rows) {
      if (claimed.has(heading)) problems.push(`upstream row "${heading}" is claimed by more than one entry`);
      claimed.add(heading);
      const found = byHeading.get(heading);
      if (!found)
        problems.push(`overlay entry ${o.code} names upstream row "${heading}", which upstream lacks`);
      else rows.push(...found);
    }
    return build(o, rows);
  });
  if (problems.length > 0) throw new Error(`catalog overlay does not fit upstream:\n${problems.join('\n')}`);
  return entries;
}

/** Upstream rows no overlay entry claims (the catalog test requires none). */
export function unclaimedRows(
  upstream: readonly UpstreamRow[] = UPSTREAM_ROWS,
  overlay: readonly OverlayEntry[] = OVERLAY,
): UpstreamRow[] {
  const claimed = new Set(overlay.flatMap((o) => o.rows));
  return upstream.filter((r) => !claimed.has(r.heading));
}
