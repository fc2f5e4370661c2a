import type { Notification, Severity } from '../model.js';
import { safeUrl, truncate, utf8Bytes } from '../text.js';
import type { Fact, ViewLink } from './notificationView.js';
import {
  DURING_UPGRADE_NOTE,
  SEVERITY_LABEL,
  contextFacts,
  headline,
  keyFacts,
  matchesOf,
  nodeList,
  paragraph,
  rawMessages,
  whatHappened,
  whereLine,
  linksOf,
} from './notificationView.js';
import type { MessagePart, TextBudget } from './shortenToFit.js';
import { shortenToFit } from './shortenToFit.js';

/**
 * Notification -> Adaptive Card 1.4 in the Teams message envelope that a Workflows "When a Teams
 * webhook request is received" flow posts.
 *
 * Untrusted text only ever goes into `TextRun`s of `RichTextBlock`s, which Adaptive Cards render
 * literally (no markdown), so an event message cannot forge a link or format the card. `TextBlock`s
 * (which do render markdown) carry only our own labels.
 */

export type CardElement = Record<string, unknown>;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.4';
  msteams: { width: 'Full' };
  body: CardElement[];
  actions: CardElement[];
}

export interface TeamsMessage {
  type: 'message';
  attachments: [
    { contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard },
  ];
}

/** Teams rejects messages over about 28 KB; this leaves room for the envelope Workflows adds. */
export const TEAMS_MAX_BYTES = 27_000;

const COLOR: Record<Severity, string> = {
  critical: 'Attention',
  error: 'Attention',
  warning: 'Warning',
  info: 'Accent',
};

const STYLE: Record<Severity, string> = {
  critical: 'attention',
  error: 'attention',
  warning: 'warning',
  info: 'accent',
};

function run(text: string, extra: Record<string, unknown> = {}): CardElement {
  return { type: 'TextRun', text, ...extra };
}

/** Literal (markdown-free) text. */
function literal(
  text: string,
  extra: Record<string, unknown> = {},
  runExtra: Record<string, unknown> = {},
): CardElement {
  return { type: 'RichTextBlock', inlines: [run(text, runExtra)], ...extra };
}

/** A trusted label; TextBlock is fine because the text is ours. */
function label(text: string, extra: Record<string, unknown> = {}): CardElement {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

function heading(text: string): CardElement {
  return label(text, { weight: 'Bolder', spacing: 'Medium' });
}

/**
 * Lets long unbroken values (ARM operation names, resource ids) wrap inside their column by
 * allowing a break after `/`, `.`, `_` and `-` (a zero-width space; nothing visible changes).
 */
function breakable(value: string): string {
  return value.replace(/\S{25,}/g, (token) => token.replace(/([/._-])(?=\S)/g, '$1\u200b'));
}

/** Facts as label/value rows; a FactSet would render values as markdown. */
function facts(rows: readonly Fact[]): CardElement[] {
  return rows.map((f, i) => ({
    type: 'ColumnSet',
    spacing: i === 0 ? 'Medium' : 'None',
    columns: [
      { type: 'Column', width: '125px', items: [label(f.label, { weight: 'Bolder', isSubtle: true })] },
      { type: 'Column', width: 'stretch', items: [literal(breakable(f.value))] },
    ],
  }));
}

function header(n: Notification, budget: TextBudget): CardElement {
  const resolved = n.status === 'resolved';
  const color = resolved ? 'Good' : COLOR[n.severity];
  const tag = resolved ? 'RESOLVED' : SEVERITY_LABEL[n.severity];
  const where = whereLine(n, budget);
  return {
    type: 'Container',
    style: resolved ? 'good' : STYLE[n.severity],
    bleed: true,
    items: [
      {
        type: 'RichTextBlock',
        inlines: [
          run(`${tag}  `, { weight: 'Bolder', color, size: 'Medium' }),
          run(headline(n, budget), { weight: 'Bolder', size: 'Medium' }),
        ],
      },
      ...(where ? [literal(where, { spacing: 'Small' }, { isSubtle: true })] : []),
    ],
  };
}

/** Short button titles: Teams shows a handful of buttons side by side and cuts long titles. */
function actionTitle(link: ViewLink): string {
  switch (link.kind) {
    case 'doc':
      return 'Troubleshooting guide';
    case 'portal':
      return /\/nodePools$/i.test(link.url) ? 'Node pools' : 'Open in portal';
    case 'logs':
      return 'Logs';
    case 'alert':
      return 'Alert';
    default:
      return truncate(link.title, 24);
  }
}

/** One button per kind of place (the first guide, the portal pages, logs, alert), at most 5. */
function actionsFor(links: readonly ViewLink[]): CardElement[] {
  const seenTitles = new Set<string>();
  const out: CardElement[] = [];
  for (const l of links) {
    const title = actionTitle(l);
    if (seenTitles.has(title)) continue;
    seenTitles.add(title);
    out.push({ type: 'Action.OpenUrl', title, url: l.url });
    if (out.length === 5) break;
  }
  return out;
}

type Part = MessagePart<{ body: CardElement[]; actions?: CardElement[] }>;

function partsOf(n: Notification, budget: TextBudget): Part[] {
  const parts: Part[] = [];
  const add = (name: string, rank: number, body: CardElement[], actions?: CardElement[]): void => {
    if (body.length > 0 || (actions && actions.length > 0))
      parts.push({ name, rank, content: actions ? { body, actions } : { body } });
  };
  const lead = n.failures[0];
  add('header', 0, [header(n, budget)]);
  const happened = whatHappened(n, budget.paragraph);
  add('summary', 0, happened ? [literal(happened, { spacing: 'Medium' })] : []);
  if (n.duringUpgrade ?? lead?.duringUpgrade)
    add('upgrade note', 0, [label(`ℹ️ ${DURING_UPGRADE_NOTE}`, { color: 'Accent', size: 'Small' })]);
  add('facts', 2, facts(keyFacts(n, budget)));

  const matches = matchesOf(n);
  const primary = matches[0];
  if (primary && n.status === 'firing') {
    // The summary usually states the meaning already; say it once.
    const meaning = paragraph(primary.meaning, budget.paragraph);
    add('meaning and mitigation', 1, [
      ...(happened.includes(meaning)
        ? []
        : [
            heading('What it means'),
            literal(paragraph(`${primary.code}: ${primary.meaning}`, budget.paragraph)),
          ]),
      heading('What to do'),
      literal(paragraph(primary.mitigation, budget.paragraph)),
    ]);
  }
  const nodes = nodeList(n, budget);
  if (n.nodes.length > 1) {
    const more = n.nodes.length - nodes.length;
    add('node list', 3, [
      heading(`Nodes affected (${String(n.nodes.length)})`),
      literal(nodes.join('\n') + (more > 0 ? `\n… and ${String(more)} more` : '')),
    ]);
  }
  const links = linksOf(n, budget);
  add('links', 2, [], actionsFor(links));
  const others = matches.slice(1, 1 + Math.min(3, budget.items));
  if (others.length > 0 && n.status === 'firing') {
    add('other catalog matches', 4, [
      heading('Also matched'),
      ...others.map((m) => {
        const doc = safeUrl(m.docUrl);
        return {
          type: 'RichTextBlock',
          inlines: [
            run(paragraph(`${m.code}: ${m.meaning} ${m.mitigation}`, budget.paragraph)),
            ...(doc
              ? [
                  run(' Troubleshooting guide', {
                    color: 'Accent',
                    selectAction: { type: 'Action.OpenUrl', url: doc },
                  }),
                ]
              : []),
          ],
        };
      }),
    ]);
  }
  add('cluster context', 5, facts(contextFacts(n, budget)));
  const raw = rawMessages(n, budget);
  if (raw.length > 0)
    add('raw messages', 6, [
      heading('Message'),
      ...raw.map((t) => literal(t, {}, { fontType: 'Monospace', size: 'Small' })),
    ]);
  return parts;
}

/** The Teams Workflows message around an Adaptive Card 1.4 (every card the app sends uses it). */
export function teamsEnvelope(body: CardElement[], actions: CardElement[]): TeamsMessage {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          type: 'AdaptiveCard',
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
          actions,
        },
      },
    ],
  };
}

export interface RenderedCard {
  message: TeamsMessage;
  body: string;
  bytes: number;
  /** Parts left out to stay within the size limit. */
  dropped: string[];
}

/** Renders and measures; `maxBytes` is for tests of the shortening. */
export function toTeamsMessage(n: Notification, maxBytes = TEAMS_MAX_BYTES): RenderedCard {
  let message: TeamsMessage | undefined;
  const fitted = shortenToFit(
    (budget) => partsOf(n, budget),
    (kept, dropped) => {
      const body = kept.flatMap((p) => p.content.body);
      if (dropped.length > 0)
        body.push(
          label(`Shortened to fit Teams' message size limit; left out: ${dropped.join(', ')}.`, {
            isSubtle: true,
            size: 'Small',
            spacing: 'Medium',
          }),
        );
      message = teamsEnvelope(
        body,
        kept.flatMap((p) => p.content.actions ?? []),
      );
      return JSON.stringify(message);
    },
    (text) => utf8Bytes(text) <= maxBytes,
  );
  if (!message) throw new Error('toTeamsMessage: nothing rendered');
  return { message, body: fitted.body, bytes: utf8Bytes(fitted.body), dropped: fitted.dropped };
}

/** The Adaptive Card alone (for previews and the card renderer). */
export function toAdaptiveCard(n: Notification, maxBytes = TEAMS_MAX_BYTES): AdaptiveCard {
  return toTeamsMessage(n, maxBytes).message.attachments[0].content;
}
