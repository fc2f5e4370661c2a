import { clipLine, safeUrl, utf8Bytes } from '../../text.js';
import type { CardElement, TeamsMessage } from '../toAdaptiveCard.js';
import { TEAMS_MAX_BYTES, teamsEnvelope } from '../toAdaptiveCard.js';
import type { Digest } from '../../model.js';
import {
  catalogGaps,
  counted,
  deliveryText,
  errorLabel,
  headline,
  supportText,
  unmatchedNote,
  windowText,
} from './digestText.js';

/*
 * Untrusted text (codes, titles, names, mitigations) goes only into TextRuns of RichTextBlocks,
 * which Teams shows literally; TextBlocks (markdown) carry only our own labels and numbers.
 */

function literal(text: string, max: number, runExtra: Record<string, unknown> = {}): CardElement {
  return { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: clipLine(text, max), ...runExtra }] };
}

function label(text: string, extra: Record<string, unknown> = {}): CardElement {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

function heading(text: string): CardElement {
  return label(text, { weight: 'Bolder', size: 'Medium', spacing: 'Medium', separator: true });
}

function row(left: CardElement, right: string): CardElement {
  return {
    type: 'ColumnSet',
    spacing: 'Small',
    columns: [
      { type: 'Column', width: 'stretch', items: [left] },
      { type: 'Column', width: 'auto', items: [label(right, { horizontalAlignment: 'Right' })] },
    ],
  };
}

function stat(value: number, what: string): CardElement {
  return {
    type: 'Column',
    width: 'stretch',
    items: [
      label(String(value), { size: 'ExtraLarge', weight: 'Bolder', spacing: 'None' }),
      label(what, { isSubtle: true, size: 'Small', spacing: 'None' }),
    ],
  };
}

interface CardSizes {
  errors: number;
  clusters: number;
  nodes: number;
  unrecognised: number;
  delivery: number;
  mitigation: boolean;
}

function body(d: Digest, n: CardSizes): CardElement[] {
  const t = d.totals;
  const out: CardElement[] = [
    label('AKS failure digest', { size: 'Large', weight: 'Bolder' }),
    label(windowText(d), { isSubtle: true, spacing: 'None' }),
    literal(headline(d), 300, { weight: 'Bolder' }),
    {
      type: 'ColumnSet',
      columns: [
        stat(t.failures, 'failures'),
        stat(t.clusters, 'clusters'),
        stat(t.newProblems, 'new problems'),
        stat(t.recurringProblems, 'recurring'),
      ],
    },
  ];
  out.push(heading('Top errors'));
  if (d.errors.length === 0)
    out.push(label(t.failures > 0 ? 'No failure matched a catalog entry.' : 'No failures in this window.'));
  for (const e of d.errors.slice(0, n.errors)) {
    out.push(
      row(
        literal(`${errorLabel(e)}: ${e.title}`, 160, { weight: 'Bolder' }),
        `${String(e.count)}${e.isNew ? ' (new)' : ''} · ${String(e.clusters)} cl.`,
      ),
    );
    if (n.mitigation && e.mitigation)
      out.push({ ...literal(e.mitigation, 300, { isSubtle: true, size: 'Small' }), spacing: 'None' });
  }
  if (d.errors.length > n.errors)
    out.push(label(`…and ${String(d.errors.length - n.errors)} more in the report`, { isSubtle: true }));
  const note = unmatchedNote(d);
  if (note) out.push(label(note, { isSubtle: true, size: 'Small' }));
  out.push(heading('Clusters'));
  for (const c of d.clusters.slice(0, n.clusters)) {
    const extra = [c.kubernetesVersion ? `Kubernetes ${c.kubernetesVersion}` : '', supportText(c.support)]
      .filter(Boolean)
      .join(', ');
    out.push(row(literal(`${c.name}${extra ? ` (${extra})` : ''}`, 160), String(c.count)));
  }
  const r = d.autoRepair;
  out.push(heading('Node auto-repair'));
  out.push(
    label(
      `Reboot ${String(r.actions.reboot)} · reimage ${String(r.actions.reimage)} · redeploy ${String(r.actions.redeploy)} · failed ${String(r.failed)}`,
    ),
  );
  for (const node of r.repeatedNodes.slice(0, n.nodes))
    out.push(
      row(
        literal(`${node.node} (${node.cluster})`, 160),
        `${counted(node.episodes, 'episode')}, ${String(node.failures)} failed`,
      ),
    );
  const missing = catalogGaps(d);
  if (missing.length > 0 && n.unrecognised > 0) {
    out.push(heading('What the catalog is missing'));
    for (const m of missing.slice(0, n.unrecognised)) out.push(row(literal(m.what, 120), String(m.count)));
    if (missing.length > n.unrecognised)
      out.push(
        label(`…and ${String(missing.length - n.unrecognised)} more in the report`, { isSubtle: true }),
      );
  }
  if (d.delivery.length > 0 && n.delivery > 0) {
    out.push(heading('Delivery'));
    // The counts go on their own line: beside the name they would squeeze it in a narrow chat pane.
    for (const h of d.delivery.slice(0, n.delivery))
      out.push(
        literal(h.receiver, 80, { weight: 'Bolder' }),
        label(deliveryText(h), { isSubtle: true, size: 'Small', spacing: 'None' }),
      );
    if (d.delivery.length > n.delivery)
      out.push(
        label(`…and ${String(d.delivery.length - n.delivery)} more in the report`, { isSubtle: true }),
      );
  }
  return out;
}

function actions(d: Digest): CardElement[] {
  const out: CardElement[] = [];
  const report = d.reportUrl ? safeUrl(d.reportUrl) : undefined;
  if (report) out.push({ type: 'Action.OpenUrl', title: 'Full report', url: report });
  const logs = d.logsUrl ? safeUrl(d.logsUrl) : undefined;
  if (logs) out.push({ type: 'Action.OpenUrl', title: 'Rows in Log Analytics', url: logs });
  return out;
}

/** The digest as a Teams (Workflows) message: an Adaptive Card 1.4, shortened to fit `maxBytes`. */
export function toDigestTeamsMessage(
  d: Digest,
  maxBytes = TEAMS_MAX_BYTES,
): { message: TeamsMessage; bytes: number } {
  const sizes: CardSizes = {
    errors: 6,
    clusters: 8,
    nodes: 5,
    unrecognised: 5,
    delivery: 8,
    mitigation: true,
  };
  const steps: (() => boolean)[] = [
    () => sizes.unrecognised > 0 && (sizes.unrecognised--, true),
    () => sizes.nodes > 0 && (sizes.nodes--, true),
    () => sizes.clusters > 3 && (sizes.clusters--, true),
    () => sizes.errors > 3 && (sizes.errors--, true),
    () => sizes.mitigation && ((sizes.mitigation = false), true),
    () => sizes.delivery > 0 && (sizes.delivery--, true),
    () => sizes.clusters > 0 && (sizes.clusters--, true),
    () => sizes.errors > 0 && (sizes.errors--, true),
  ];
  for (;;) {
    const message = teamsEnvelope(body(d, sizes), actions(d));
    const bytes = utf8Bytes(JSON.stringify(message));
    if (bytes <= maxBytes) return { message, bytes };
    if (!steps.some((s) => s())) return { message, bytes };
  }
}
