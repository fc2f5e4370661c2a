import type { Notification, Severity } from '../model.js';
import { safeUrl, utf8Bytes } from '../text.js';
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
  whatHappened,
} from './notificationView.js';
import type { RenderExtras } from './renderers.js';
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

/** The coloured band on top: severity and the generated title, then when and how many. */
function header(n: Notification, budget: TextBudget): CardElement {
  return {
    type: 'Container',
    style: STYLE[n.severity],
    bleed: true,
    items: [
      {
        type: 'RichTextBlock',
        inlines: [
          run(`${SEVERITY_LABEL[n.severity]}  `, { weight: 'Bolder', color: COLOR[n.severity] }),
          run(cardTitle(n, budget), { weight: 'Bolder' }),
        ],
      },
      literal(cardSubline(n), { spacing: 'Small' }, { isSubtle: true, size: 'Small' }),
    ],
  };
}

/** A resolve is one line: what cleared, and how long it lasted. */
function resolvedCard(n: Notification, budget: TextBudget): CardElement {
  return {
    type: 'Container',
    style: 'good',
    bleed: true,
    items: [
      {
        type: 'RichTextBlock',
        inlines: [run('RESOLVED  ', { weight: 'Bolder', color: 'Good' }), run(resolvedLine(n, budget))],
      },
    ],
  };
}

const DETAILS_ID = 'details';

/** The row that opens and closes the details (Action.ToggleVisibility, Adaptive Cards 1.2+). */
function detailsToggle(): CardElement {
  return {
    type: 'Container',
    spacing: 'Small',
    selectAction: { type: 'Action.ToggleVisibility', title: 'Details', targetElements: [DETAILS_ID] },
    items: [label('Details ▾', { color: 'Accent', size: 'Small', weight: 'Bolder' })],
  };
}

/** Card parts: the essentials show; the rest (`details`) folds away behind the toggle. */
type Part = MessagePart<{ body: CardElement[]; details?: boolean; actions?: CardElement[] }>;

function partsOf(n: Notification, budget: TextBudget, extras: RenderExtras): Part[] {
  const parts: Part[] = [];
  const add = (name: string, rank: number, body: CardElement[], details = false): void => {
    if (body.length > 0) parts.push({ name, rank, content: { body, details } });
  };
  if (n.status === 'resolved') {
    add('header', 0, [resolvedCard(n, budget)]);
    return parts;
  }
  const lead = n.failures[0];
  add('header', 0, [header(n, budget)]);
  add('what to do', 0, [
    {
      type: 'RichTextBlock',
      spacing: 'Medium',
      inlines: [run('Do first: ', { weight: 'Bolder' }), run(doFirst(n, budget))],
    },
  ]);
  if (n.duringUpgrade ?? lead?.duringUpgrade)
    add('upgrade note', 0, [
      label(`ℹ️ ${DURING_UPGRADE_NOTE}`, { color: 'Accent', size: 'Small', spacing: 'Small' }),
    ]);

  const buttons: CardElement[] = cardLinks(n, budget).map((l) => ({
    type: 'Action.OpenUrl',
    title: l.title,
    url: l.url,
  }));
  const silence = extras.silenceUrl ? safeUrl(extras.silenceUrl) : undefined;
  if (silence) buttons.push({ type: 'Action.OpenUrl', title: 'Silence 4 h', url: silence });
  if (buttons.length > 0) parts.push({ name: 'links', rank: 2, content: { body: [], actions: buttons } });

  // Details: what it means, the facts the title does not carry, the nodes, the raw message.
  const happened = whatHappened(n, budget.paragraph);
  const primary = matchesOf(n)[0];
  add(
    'what happened',
    3,
    [
      literal(primary ? paragraph(`${primary.code}: ${primary.meaning}`, budget.paragraph) : happened, {
        spacing: 'Small',
      }),
    ],
    true,
  );
  add('facts', 4, facts(detailFacts(n, budget)), true);
  if (n.nodes.length > 1) {
    const nodes = nodeList(n, budget);
    const more = n.nodes.length - nodes.length;
    add(
      'node list',
      5,
      [
        heading(`Nodes (${String(n.nodes.length)})`),
        literal(nodes.join('\n') + (more > 0 ? `\n… and ${String(more)} more` : ''), {}, { size: 'Small' }),
      ],
      true,
    );
  }
  const raw = rawMessages(n, budget);
  if (raw.length > 0)
    add(
      'raw messages',
      6,
      [heading('Message'), ...raw.map((t) => literal(t, {}, { fontType: 'Monospace', size: 'Small' }))],
      true,
    );
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
export function toTeamsMessage(
  n: Notification,
  maxBytes = TEAMS_MAX_BYTES,
  extras: RenderExtras = {},
): RenderedCard {
  let message: TeamsMessage | undefined;
  const fitted = shortenToFit(
    (budget) => partsOf(n, budget, extras),
    (kept, dropped) => {
      const shown = kept.filter((p) => !p.content.details).flatMap((p) => p.content.body);
      const folded = kept.filter((p) => p.content.details).flatMap((p) => p.content.body);
      if (dropped.length > 0)
        folded.push(
          label(`Shortened to fit Teams' message size limit; left out: ${dropped.join(', ')}.`, {
            isSubtle: true,
            size: 'Small',
            spacing: 'Medium',
          }),
        );
      const body =
        folded.length > 0
          ? [
              ...shown,
              detailsToggle(),
              { type: 'Container', id: DETAILS_ID, isVisible: false, items: folded },
            ]
          : shown;
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
export function toAdaptiveCard(
  n: Notification,
  maxBytes = TEAMS_MAX_BYTES,
  extras: RenderExtras = {},
): AdaptiveCard {
  return toTeamsMessage(n, maxBytes, extras).message.attachments[0].content;
}
