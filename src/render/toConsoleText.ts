import { truncate } from '../text.js';
import type { EnrichedFailure } from '../model.js';

/**
 * Makes untrusted text safe for a terminal: control characters (ANSI escapes, carriage returns,
 * bidi overrides) could rewrite what the operator sees, so they become visible escapes.
 */
export function terminalSafe(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function oneLine(text: string, max: number): string {
  const flat = terminalSafe(text.replace(/\s+/g, ' ').trim());
  return truncate(flat, max);
}

function where(f: EnrichedFailure): string {
  const parts: string[] = [];
  if (f.cluster) parts.push(`cluster ${f.cluster.name} (${f.cluster.resourceGroup})`);
  if (f.nodePool) parts.push(`pool ${f.nodePool}`);
  if (f.node) parts.push(`node ${f.node}`);
  if (f.context?.kubernetesVersion) parts.push(`Kubernetes ${f.context.kubernetesVersion}`);
  return parts.map((p) => terminalSafe(p)).join(', ');
}

/** A readable block per enriched failure: what, where, what it means, what to do, where to look. */
export function toConsoleText(failure: EnrichedFailure): string {
  const lines: string[] = [];
  const status = failure.status === 'resolved' ? ' resolved' : '';
  lines.push(`[${failure.severity.toUpperCase()}${status}] ${oneLine(failure.title, 160)}`);
  const at = where(failure);
  lines.push(
    `  ${failure.occurredAt}${at ? ` · ${at}` : ''}${failure.duringUpgrade ? ' · during upgrade' : ''}`,
  );
  const primary = failure.matches[0];
  if (primary) {
    lines.push(`  ${primary.code}: ${oneLine(primary.meaning, 300)}`);
    if (primary.mitigation) lines.push(`  What to do: ${oneLine(primary.mitigation, 500)}`);
    const others = failure.matches.slice(1).map((m) => m.code);
    if (others.length > 0) lines.push(`  Also matched: ${others.join(', ')}`);
  } else {
    const text = failure.texts[0];
    if (text) lines.push(`  Message: ${oneLine(text, 300)}`);
    lines.push('  No catalog entry matched.');
  }
  if (failure.unrecognised.length > 0)
    lines.push(`  Unrecognised codes: ${failure.unrecognised.map((c) => terminalSafe(c)).join(', ')}`);
  if (failure.contextError) lines.push(`  Context: ${oneLine(failure.contextError, 200)}`);
  for (const link of failure.links) lines.push(`  ${terminalSafe(link.title)}: ${terminalSafe(link.url)}`);
  lines.push(`  Fingerprint: ${failure.fingerprint}`);
  return lines.join('\n');
}
