import { slackLink, slackText } from '../slackMrkdwn.js';
import { safeUrl } from '../../text.js';
import type { SlackBlock, SlackMessage } from '../toSlackBlocks.js';
import { SLACK_LIMITS, blockTextLength, clipEscaped } from '../toSlackBlocks.js';
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

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clipEscaped(text, SLACK_LIMITS.sectionText) } };
}

function link(url: string | undefined, label: string): string {
  const u = url ? safeUrl(url) : undefined;
  return u ? slackLink(u, label) : '';
}

function blocks(
  d: Digest,
  n: { errors: number; clusters: number; nodes: number; mitigation: boolean },
): SlackBlock[] {
  const t = d.totals;
  const out: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'AKS failure digest', emoji: false } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: slackText(windowText(d)) }],
    },
    section(
      `*${slackText(headline(d))}*\n${String(t.newProblems)} new and ${String(t.recurringProblems)} recurring problems · ${String(t.nodes)} nodes${d.reportUrl ? ` · ${link(d.reportUrl, 'full report')}` : ''}${d.logsUrl ? ` · ${link(d.logsUrl, 'rows in Log Analytics')}` : ''}`,
    ),
    { type: 'divider' },
  ];
  const errs = d.errors.slice(0, n.errors).map((e) => {
    const head = `• *${slackText(errorLabel(e))}* ×${String(e.count)}${e.isNew ? ' (new)' : ''} on ${counted(e.clusters, 'cluster')}: ${slackText(e.title)}`;
    const fix = n.mitigation && e.mitigation ? `\n   ${slackText(e.mitigation)}` : '';
    const docs = e.docUrl ? ` ${link(e.docUrl, 'docs')}` : '';
    return clipEscaped(head + fix, 600) + docs;
  });
  const none = t.failures > 0 ? 'No failure matched a catalog entry.' : 'No failures in this window.';
  const note = unmatchedNote(d);
  out.push(section(`*Top errors*\n${errs.join('\n') || none}${note ? `\n_${slackText(note)}_` : ''}`));
  const cls = d.clusters.slice(0, n.clusters).map((c) => {
    const extra = [
      c.kubernetesVersion ? `Kubernetes ${slackText(c.kubernetesVersion)}` : '',
      supportText(c.support),
    ]
      .filter(Boolean)
      .join(', ');
    return `• *${slackText(c.name)}* ${String(c.count)}${extra ? ` (${extra})` : ''}`;
  });
  if (cls.length > 0) out.push(section(`*Clusters*\n${cls.join('\n')}`));
  const r = d.autoRepair;
  const nodes = r.repeatedNodes
    .slice(0, n.nodes)
    .map(
      (x) =>
        `• ${slackText(x.node)} (${slackText(x.cluster)}): ${counted(x.episodes, 'episode')}, ${String(x.failures)} failed`,
    );
  out.push(
    section(
      `*Node auto-repair*\nreboot ${String(r.actions.reboot)} · reimage ${String(r.actions.reimage)} · redeploy ${String(r.actions.redeploy)} · failed ${String(r.failed)}${nodes.length > 0 ? `\nRepaired repeatedly:\n${nodes.join('\n')}` : ''}`,
    ),
  );
  const missing = catalogGaps(d)
    .slice(0, 20)
    .map((g) => `${slackText(g.what)} ×${String(g.count)}`);
  if (missing.length > 0) out.push(section(`*What the catalog is missing*: ${missing.join(', ')}`));
  if (d.delivery.length > 0)
    out.push(
      section(
        `*Delivery*\n${d.delivery
          .slice(0, 10)
          .map((h) => `• ${slackText(h.receiver)}: ${deliveryText(h)}`)
          .join(
            '\n',
          )}${d.delivery.length > 10 ? `\n…and ${String(d.delivery.length - 10)} more in the report` : ''}`,
      ),
    );
  return out.slice(0, SLACK_LIMITS.blocks);
}

/** The digest as a Slack incoming-webhook message (Block Kit), shortened to stay within Slack's limits. */
export function toDigestSlackMessage(d: Digest): SlackMessage {
  const n = { errors: 10, clusters: 10, nodes: 5, mitigation: true };
  for (;;) {
    const b = blocks(d, n);
    const fits = blockTextLength(b) <= SLACK_LIMITS.totalText;
    if (fits || (n.errors <= 1 && n.clusters <= 1 && n.nodes === 0 && !n.mitigation))
      return { text: clipEscaped(slackText(headline(d)), SLACK_LIMITS.fallbackText), blocks: b };
    if (n.mitigation) n.mitigation = false;
    else if (n.nodes > 0) n.nodes--;
    else if (n.clusters > 1) n.clusters--;
    else n.errors--;
  }
}
