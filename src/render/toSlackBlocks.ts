import { safeUrl, truncate } from '../text.js';
import type { Notification, Severity } from '../model.js';
import { slackText } from './slackMrkdwn.js';
import type { Fact } from './notificationView.js';
import {
  DURING_UPGRADE_NOTE,
  SEVERITY_LABEL,
  cardLinks,
  cardSubline,
  cardTitle,
  detailFacts,
  doFirst,
  matchesOf,
  nodeList,
  paragraph,
  rawMessages,
  resolvedLine,
} from './notificationView.js';
import type { RenderExtras } from './renderers.js';
import type { MessagePart, TextBudget } from './shortenToFit.js';
import { shortenToFit } from './shortenToFit.js';

/**
 * Notification -> Slack incoming-webhook message: Block Kit blocks plus a `text` fallback for
 * notifications. Every untrusted value is escaped (`&`, `<`, `>`) so it cannot mention a channel or
 * forge a link; every block respects Slack's limits.
 */

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  /** Elements of an actions block, a button's text and its URL. */
  actions: 25,
  buttonText: 75,
  buttonUrl: 3000,
  /** Slack answers msg_blocks_too_long well below the per-block limits summed; stay under this. */
  totalText: 12_000,
  fallbackText: 300,
} as const;

export type SlackBlock = Record<string, unknown>;

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const ICON: Record<Severity, string> = {
  critical: ':red_circle:',
  error: ':large_orange_circle:',
  warning: ':large_yellow_circle:',
  info: ':large_blue_circle:',
};

/** Cuts escaped mrkdwn to `max` characters without splitting an entity such as `&amp;`. */
export function clipEscaped(text: string, max: number): string {
  // truncate never splits a surrogate pair; an entity cut short loses its start too.
  return truncate(text, max).replace(/&[a-z]{0,4}…$/, '…');
}

function mrkdwn(text: string, max: number = SLACK_LIMITS.sectionText): SlackBlock {
  return { type: 'mrkdwn', text: clipEscaped(text, max) };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: mrkdwn(text) };
}

function context(texts: string[]): SlackBlock {
  return { type: 'context', elements: texts.slice(0, SLACK_LIMITS.contextElements).map((t) => mrkdwn(t)) };
}

type Part = MessagePart<SlackBlock[]>;

/** Facts as one small grey line: Slack has no folding, so details stay short and quiet. */
function factLine(facts: readonly Fact[]): SlackBlock[] {
  if (facts.length === 0) return [];
  return [context([facts.map((f) => `*${f.label}:* ${slackText(f.value)}`).join('  ·  ')])];
}

function button(text: string, url: string, actionId: string): SlackBlock {
  return { type: 'button', text: { type: 'plain_text', text, emoji: true }, url, action_id: actionId };
}

function partsOf(n: Notification, budget: TextBudget, extras: RenderExtras): Part[] {
  const parts: Part[] = [];
  const add = (name: string, rank: number, blocks: SlackBlock[]): void => {
    if (blocks.length > 0) parts.push({ name, rank, content: blocks });
  };
  if (n.status === 'resolved') {
    add('header', 0, [section(`:white_check_mark: *RESOLVED*  ${slackText(resolvedLine(n, budget))}`)]);
    return parts;
  }
  const lead = n.failures[0];
  add('header', 0, [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clipEscaped(
          slackText(`${SEVERITY_LABEL[n.severity]}: ${cardTitle(n, budget)}`),
          SLACK_LIMITS.headerText,
        ),
        emoji: true,
      },
    },
    context([`${ICON[n.severity]} ${slackText(cardSubline(n))}`]),
  ]);
  add('what to do', 0, [section(`*Do first:* ${slackText(doFirst(n, budget))}`)]);
  if (n.duringUpgrade ?? lead?.duringUpgrade)
    add('upgrade note', 0, [context([`:information_source: ${DURING_UPGRADE_NOTE}`])]);
  const buttons = cardLinks(n, budget)
    .filter((l) => l.url.length <= SLACK_LIMITS.buttonUrl)
    .map((l, i) => button(l.title, l.url, `link-${String(i)}`));
  const silence = extras.silenceUrl ? safeUrl(extras.silenceUrl) : undefined;
  if (silence && silence.length <= SLACK_LIMITS.buttonUrl)
    buttons.push(button('Silence 4 h', silence, 'silence'));
  if (buttons.length > 0) add('links', 2, [{ type: 'actions', elements: buttons.slice(0, 5) }]);
  const primary = matchesOf(n)[0];
  if (primary)
    add('what happened', 3, [
      context([slackText(paragraph(`${primary.code}: ${primary.meaning}`, Math.min(budget.paragraph, 600)))]),
    ]);
  add('facts', 4, factLine(detailFacts(n, budget)));
  if (n.nodes.length > 1) {
    const nodes = nodeList(n, budget);
    const more = n.nodes.length - nodes.length;
    add('node list', 5, [
      context([
        `*Nodes (${String(n.nodes.length)}):* ${nodes.map((x) => slackText(x)).join(', ')}${more > 0 ? ` … and ${String(more)} more` : ''}`,
      ]),
    ]);
  }
  const raw = rawMessages(n, budget)[0];
  if (raw)
    add('raw messages', 6, [
      context([`*Message:* \`${slackText(paragraph(raw, 300)).replace(/`/g, "'")}\``]),
    ]);
  return parts;
}

/** Characters of text Slack counts across blocks. */
export function blockTextLength(blocks: readonly SlackBlock[]): number {
  let total = 0;
  const walk = (value: unknown, key?: string): void => {
    if (typeof value === 'string') {
      if (key === 'text') total += value.length;
    } else if (Array.isArray(value)) value.forEach((v) => walk(v));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, k);
  };
  walk(blocks);
  return total;
}

export interface RenderedSlack {
  message: SlackMessage;
  body: string;
  dropped: string[];
}

export function toSlackMessage(
  n: Notification,
  totalText: number = SLACK_LIMITS.totalText,
  extras: RenderExtras = {},
): RenderedSlack {
  // The notification's fallback text: its own budget, whatever the blocks have to leave out.
  const tag = n.status === 'resolved' ? 'RESOLVED' : SEVERITY_LABEL[n.severity];
  const textBudget = { line: 120, paragraph: 200, raw: 0, items: 0 };
  const text = clipEscaped(
    slackText(`${tag}: ${n.status === 'resolved' ? resolvedLine(n, textBudget) : cardTitle(n, textBudget)}`),
    SLACK_LIMITS.fallbackText,
  );
  let message: SlackMessage | undefined;
  const fitted = shortenToFit(
    (budget) => partsOf(n, budget, extras),
    (kept, dropped) => {
      const blocks = kept.flatMap((p) => p.content);
      if (dropped.length > 0)
        blocks.push(context([`Shortened to fit Slack's limits; left out: ${dropped.join(', ')}.`]));
      message = { text, blocks };
      return JSON.stringify(message);
    },
    () =>
      message !== undefined &&
      message.blocks.length <= SLACK_LIMITS.blocks &&
      blockTextLength(message.blocks) <= totalText,
  );
  if (!message) throw new Error('toSlackMessage: nothing rendered');
  return { message, body: fitted.body, dropped: fitted.dropped };
}

export function toSlackBlocks(n: Notification): SlackBlock[] {
  return toSlackMessage(n).message.blocks;
}
