import { describe, expect, it } from 'vitest';
import type { FailureLink, Notification } from '../../src/model.js';
import { PAGERDUTY_LIMITS } from '../../src/render/toPagerDutyEvent.js';
import { TEAMS_MAX_BYTES } from '../../src/render/toAdaptiveCard.js';
import type { SlackMessage } from '../../src/render/toSlackBlocks.js';
import {
  groupNotification,
  hostileFailure,
  notificationOf,
  vmExtensionMatch,
} from '../support/enrichedFailures.js';
import { cardProblems, markdownTexts } from './cardValidator.js';
import { slackViolations } from './slackValidator.js';
import { RENDERERS } from '../../src/render/renderers.js';

const HOSTILE: Record<string, string> = {
  'markdown link': '[Open the Azure portal](https://evil.example/phish)',
  'slack mentions': '<!channel> <!here> <!everyone> <@U024BE7LH> <#C024BE7LH|general>',
  'bare mentions': '@channel @here @everyone please look',
  'slack forged link': '<https://evil.example/phish|Azure portal>',
  html: '<script>alert(1)</script><img src=x onerror=alert(1)><a href="https://evil.example">x</a>',
  'markdown formatting': '**bold** _it_ ~strike~ `code` ```block``` # heading\n> quote\n- list',
  'control characters': 'a\u0000b\u0007c\u001b[31mred\u001b[0m\u007f\u0085\u0008d',
  'rtl override': 'invoice\u202egnp.exe \u2066hidden\u2069 \u200f',
  'lone surrogate': 'broken \ud800 pair \udfff',
  'json breakout': '"}]}, "text": "injected", "x": {"',
  '100 KB plain': 'A'.repeat(100_000),
  '100 KB markup': '<!channel> [x](https://evil.example) & '.repeat(2_600),
};

const EVIL_LINKS = (text: string): FailureLink[] => [
  { kind: 'doc', title: text, url: 'javascript:alert(1)' },
  { kind: 'other', title: text, url: 'http://evil.example/plain-http' },
  { kind: 'other', title: text, url: 'https://user:pw@evil.example/creds' },
];

// eslint-disable-next-line no-control-regex -- looking for control characters
const UNSAFE_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f]/;
const OTHER_ANGLE =
  /<(?!https:\/\/(learn\.microsoft\.com|portal\.azure\.com)\/[^|<>]*\|[^<>]*>)|(?<!<https:\/\/[^<>]*)>/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

function notificationsFor(text: string): Notification[] {
  const group = groupNotification(40);
  return [
    notificationOf([
      hostileFailure(text, {
        links: EVIL_LINKS(text),
        matches: [
          vmExtensionMatch({ matchedText: text }),
          vmExtensionMatch({ code: text, meaning: text, mitigation: text, docUrl: 'javascript:alert(1)' }),
          vmExtensionMatch({ code: text, docUrl: 'http://evil.example/plain-http' }),
          vmExtensionMatch({ code: text, docUrl: 'https://learn.microsoft.com/x|<!channel>' }),
        ],
      }),
    ]),
    notificationOf([hostileFailure(text), ...group.failures.slice(1)], { nodes: [text, ...group.nodes] }),
  ];
}

const SILENCE_URL = 'https://func-aks.example/api/silence?t=v1.0123456789abcdef0123456789abcdef.1.sig';
const KNOWN_HOSTS = /^https:\/\/(learn\.microsoft\.com|portal\.azure\.com|func-aks\.example)\//;

const CHECKS: Record<string, (body: string, text: string) => void> = {
  // For programs, not people: the text travels exactly, and JSON encoding is its escaping.
  generic: (body, text) => {
    const payload = JSON.parse(body) as { failures: { title: string }[] };
    expect(payload.failures[0]?.title).toBe(text);
  },
  teams: (body) => {
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    const card = (JSON.parse(body) as { attachments: [{ content: { actions: { url: string }[] } }] })
      .attachments[0].content;
    expect(cardProblems(card)).toEqual([]);
    // Every link target anywhere in the card (buttons, links in text) is https to a known host.
    const urls: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === 'url' && typeof x === 'string') urls.push(x);
          walk(x);
        }
    };
    walk(card);
    // At least the silence button: the walk sees the links it is there to check.
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(u).toMatch(KNOWN_HOSTS);
    for (const t of markdownTexts(card)) {
      expect(t).not.toMatch(/evil\.example|<script|\*\*bold|@channel|<!/);
    }
    for (const a of card.actions) expect(a.url).toMatch(KNOWN_HOSTS);
  },
  slack: (body) => {
    const message = JSON.parse(body) as SlackMessage;
    expect(slackViolations(message)).toEqual([]);
    for (const s of strings(message)) {
      // The only `<` left opens one of our own links to a known host.
      expect(s).not.toMatch(OTHER_ANGLE);
      expect(s).not.toMatch(/<!|<@|<#|@channel|@here|@everyone/);
    }
  },
  pagerduty: (body) => {
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(PAGERDUTY_LIMITS.payloadBytes);
    const event = JSON.parse(body) as { payload?: { summary: string }; links?: { href: string }[] };
    expect(event.payload?.summary.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summary);
    expect(body).not.toContain('javascript:');
    expect(body).not.toContain('http://evil.example');
    for (const l of event.links ?? [])
      expect(l.href).toMatch(/^https:\/\/(learn\.microsoft\.com|portal\.azure\.com)\//);
  },
};

describe('hostile strings through every sink', () => {
  const protocols = Object.entries(RENDERERS);
  it('covers every renderer in the table', () => {
    expect(protocols.map(([t]) => t).sort()).toEqual(Object.keys(CHECKS).sort());
  });
  for (const [type, protocol] of protocols) {
    for (const [name, text] of Object.entries(HOSTILE)) {
      it(`${type}: ${name}`, () => {
        for (const n of notificationsFor(text)) {
          const body = protocol.render(n, { silenceUrl: SILENCE_URL });
          const check = CHECKS[type];
          if (!check) throw new Error(`no check for ${type}`);
          check(body, text);
          if (type === 'generic') continue;
          for (const s of strings(JSON.parse(body))) {
            expect(s).not.toMatch(UNSAFE_CHARS);
            expect(s).not.toMatch(LONE_SURROGATE);
          }
        }
      });
    }
  }
});
