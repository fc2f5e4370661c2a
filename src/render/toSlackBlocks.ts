import { truncate } from '../text.js';
import type { Notification, Severity } from '../model.js';
import { slackLink, slackText } from './slackMrkdwn.js';
import type { Fact } from './notificationView.js';
import {
  DURING_UPGRADE_NOTE,
  SEVERITY_LABEL,
  contextFacts,
  headline,
  keyFacts,
  linksOf,
  matchesOf,
  nodeList,
  paragraph,
  rawMessages,
  whatHappened,
  whereLine,
} from './notificationView.js';
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

function fields(facts: readonly Fact[]): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  for (let i = 0; i < facts.length; i += SLACK_LIMITS.fields) {
    blocks.push({
      type: 'section',
      fields: facts
        .slice(i, i + SLACK_LIMITS.fields)
        .map((f) => mrkdwn(`*${f.label}*\n${slackText(f.value)}`, SLACK_LIMITS.fieldText)),
    });
  }
  return blocks;
}

type Part = MessagePart<SlackBlock[]>;

function partsOf(n: Notification, budget: TextBudget): Part[] {
  const parts: Part[] = [];
  const add = (name: string, rank: number, blocks: SlackBlock[]): void => {
    if (blocks.length > 0) parts.push({ name, rank, content: blocks });
  };
  const resolved = n.status === 'resolved';
  const tag = resolved ? 'RESOLVED' : SEVERITY_LABEL[n.severity];
  const lead = n.failures[0];
  add('header', 0, [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clipEscaped(slackText(`${tag}: ${headline(n, budget)}`), SLACK_LIMITS.headerText),
        emoji: true,
      },
    },
  ]);
  const where = whereLine(n, budget);
  add('location', 0, [
    context([`${resolved ? ':white_check_mark:' : ICON[n.severity]} ${slackText(where || 'no cluster')}`]),
  ]);
  const happened = whatHappened(n, budget.paragraph);
  if (happened) add('summary', 0, [section(slackText(happened))]);
  if (n.duringUpgrade ?? lead?.duringUpgrade)
    add('upgrade note', 0, [context([`:information_source: ${DURING_UPGRADE_NOTE}`])]);
  add('facts', 2, fields(keyFacts(n, budget)));
  const matches = matchesOf(n);
  const primary = matches[0];
  if (primary && !resolved) {
    const meaning = paragraph(primary.meaning, budget.paragraph);
    add('meaning and mitigation', 1, [
      ...(happened.includes(meaning)
        ? []
        : [
            section(
              `*What it means*\n${slackText(paragraph(`${primary.code}: ${primary.meaning}`, budget.paragraph))}`,
            ),
          ]),
      section(`*What to do*\n${slackText(paragraph(primary.mitigation, budget.paragraph))}`),
    ]);
  }
  if (n.nodes.length > 1) {
    const nodes = nodeList(n, budget);
    const more = n.nodes.length - nodes.length;
    add('node list', 3, [
      section(
        `*Nodes affected (${String(n.nodes.length)})*\n${nodes.map((x) => slackText(x)).join('\n')}${more > 0 ? `\n… and ${String(more)} more` : ''}`,
      ),
    ]);
  }
  const links = linksOf(n, budget);
  if (links.length > 0) add('links', 2, [section(links.map((l) => slackLink(l.url, l.title)).join('  ·  '))]);
  const others = matches.slice(1, 1 + Math.min(3, budget.items));
  if (others.length > 0 && !resolved) {
    add('other catalog matches', 4, [
      section(
        `*Also matched*\n${others.map((m) => slackText(paragraph(`${m.code}: ${m.meaning} ${m.mitigation}`, budget.paragraph))).join('\n')}`,
      ),
    ]);
  }
  add('cluster context', 5, fields(contextFacts(n, budget)));
  const raw = rawMessages(n, budget);
  if (raw.length > 0)
    add(
      'raw messages',
      6,
      raw.map((t) => section(`\`\`\`${slackText(t).replace(/```/g, "'''")}\`\`\``)),
    );
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

export function toSlackMessage(n: Notification, totalText: number = SLACK_LIMITS.totalText): RenderedSlack {
  let message: SlackMessage | undefined;
  const fitted = shortenToFit(
    (budget) => partsOf(n, budget),
    (kept, dropped) => {
      const blocks = kept.flatMap((p) => p.content);
      if (dropped.length > 0)
        blocks.push(context([`Shortened to fit Slack's limits; left out: ${dropped.join(', ')}.`]));
      const tag = n.status === 'resolved' ? 'RESOLVED' : SEVERITY_LABEL[n.severity];
      const budget = { line: 120, paragraph: 200, raw: 0, items: 0 };
      const where = whereLine(n, budget);
      const text = clipEscaped(
        slackText(`${tag}: ${headline(n, budget)}${where ? ` (${where})` : ''}`),
        SLACK_LIMITS.fallbackText,
      );
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
