import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Notification } from '../../src/model.js';
import { TEAMS_MAX_BYTES, toAdaptiveCard, toTeamsMessage } from '../../src/render/toAdaptiveCard.js';
import {
  autoRepairFailure,
  groupNotification,
  hostileFailure,
  notificationOf,
  operationFailure,
  plainAlertFailure,
  resolvedOf,
} from '../support/enrichedFailures.js';
import { cardProblems, markdownTexts } from './cardValidator.js';

const variants = {
  'operation failure': notificationOf([operationFailure()]),
  'auto-repair on one node': notificationOf([autoRepairFailure()]),
  'group of 3 nodes': groupNotification(3),
  'group of 500 nodes': groupNotification(500),
  resolved: notificationOf([resolvedOf(operationFailure())]),
  'plain alert without cluster': notificationOf([plainAlertFailure()]),
  'during upgrade': notificationOf([operationFailure({ duringUpgrade: true })]),
  critical: notificationOf([operationFailure({ severity: 'critical' })]),
  info: notificationOf([operationFailure({ severity: 'info', status: 'info' })]),
  'no matches, no links, no context': notificationOf([
    operationFailure({ matches: [], links: [], context: undefined, texts: [] }),
  ]),
  hostile: notificationOf([
    hostileFailure('[x](https://evil.example) <b>**bold**</b> @channel '.repeat(2000)),
  ]),
} satisfies Record<string, Notification>;

describe('toAdaptiveCard', () => {
  for (const [name, n] of Object.entries(variants)) {
    it(`${name}: parses without errors or warnings, targets 1.4, fits Teams`, () => {
      const rendered = toTeamsMessage(n);
      expect(cardProblems(rendered.message.attachments[0].content)).toEqual([]);
      expect(rendered.bytes).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
      expect(rendered.body).toBe(JSON.stringify(rendered.message));
    });
  }

  it('uses the Workflows envelope', () => {
    const msg = JSON.parse(toTeamsMessage(variants['operation failure']).body) as Record<string, unknown>;
    expect(msg).toMatchObject({
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } },
      ],
    });
  });

  it('shows severity, where, what happened, meaning, mitigation and links', () => {
    const text = JSON.stringify(toAdaptiveCard(variants['operation failure']));
    for (const expected of [
      'ERROR',
      'Agent pool write failed',
      'aks-prod-weu-01 › nodepool1',
      'VMExtensionProvisioningError',
      'What to do',
      'Fix egress',
      'Action.OpenUrl',
      'error-code-vmextensionprovisioningerror',
      'portal.azure.com',
    ])
      expect(text).toContain(expected);
    expect(text).not.toContain('Shortened');
  });

  it('states the meaning once: in the summary when it is there, else under its own heading', () => {
    const inSummary = JSON.stringify(toAdaptiveCard(variants['operation failure']));
    expect(inSummary).not.toContain('What it means');
    const bare = JSON.stringify(
      toAdaptiveCard(notificationOf([operationFailure({ summary: 'Agent pool write failed.' })])),
    );
    expect(bare).toContain('What it means');
    expect(bare).toContain('the node never joined the cluster');
  });

  it('says how many failures a group holds, over which span and where', () => {
    const text = JSON.stringify(toAdaptiveCard(groupNotification(12)));
    expect(text).toContain(
      '12 failures like this (2026-03-14 03:00:00 – 03:01:17 UTC) on 12 nodes in 1 node pool. The first:',
    );
  });

  it('says a group update covers the whole group, and when its first message went out', () => {
    const update = groupNotification(40, {
      update: { firstId: 'first', firstSentAt: '2026-03-14T03:00:07.000Z', alreadySent: 1 },
    });
    const text = JSON.stringify(toAdaptiveCard(update));
    expect(text).toContain(
      '40 failures like this in 5 min (2026-03-14 03:00:00 – 03:04:33 UTC) on 40 nodes in 1 node pool, first sent at 2026-03-14 03:00:07 UTC. The first:',
    );
    expect(text).toContain('First sent');
  });

  it('a resolve of part of a group says how many are still failing', () => {
    const resolved = groupNotification(3, { status: 'resolved', stillFiring: 2 });
    const text = JSON.stringify(toAdaptiveCard(resolved));
    expect(text).toContain('RESOLVED');
    expect(text).toContain(
      '3 resolved (2026-03-14 03:00:00 – 03:00:14 UTC) on 3 nodes in 1 node pool. 2 of the group are still failing.',
    );
  });

  it('names the count and the nodes of a group', () => {
    const card = toAdaptiveCard(groupNotification(12));
    const text = JSON.stringify(card);
    expect(text).toContain('12 × Node auto-repair: reboot failed');
    expect(text).toContain('Nodes affected (12)');
    expect(text).toContain('aks-nodepool1-38471923-vmss000011');
  });

  it('caps a long node list and says how many more', () => {
    const text = JSON.stringify(toAdaptiveCard(groupNotification(500)));
    expect(text).toContain('… and 450 more');
  });

  it('marks failures during an upgrade', () => {
    expect(JSON.stringify(toAdaptiveCard(variants['during upgrade']))).toContain('node pool was rolling');
    expect(JSON.stringify(toAdaptiveCard(variants['operation failure']))).not.toContain(
      'node pool was rolling',
    );
  });

  it('a resolve says so and leaves out the mitigation', () => {
    const text = JSON.stringify(toAdaptiveCard(variants.resolved));
    expect(text).toContain('RESOLVED');
    expect(text).not.toContain('What to do');
  });

  it('drops the least important parts first and says so on the card', () => {
    const n = notificationOf([
      operationFailure({ texts: ['x'.repeat(1400), 'y'.repeat(1400), 'z'.repeat(1400)] }),
    ]);
    const full = toTeamsMessage(n);
    expect(full.dropped).toEqual([]);
    const small = toTeamsMessage(n, full.bytes - 100);
    expect(small.dropped[0]).toBe('raw messages');
    expect(small.bytes).toBeLessThanOrEqual(full.bytes - 100);
    expect(small.body).toContain("Shortened to fit Teams' message size limit; left out: raw messages.");
    expect(small.body).toContain('What to do');
    expect(cardProblems(small.message.attachments[0].content)).toEqual([]);
  });

  it('keeps the essentials even under a very small limit', () => {
    const small = toTeamsMessage(variants['operation failure'], 3000);
    expect(small.bytes).toBeLessThanOrEqual(3000);
    expect(small.body).toContain('Agent pool write failed');
    expect(small.dropped).toContain('cluster context');
  });

  it('puts untrusted text only where markdown is not rendered', () => {
    const marker = '[click](https://evil.example) **x**';
    const card = toAdaptiveCard(notificationOf([hostileFailure(marker)]));
    for (const t of markdownTexts(card)) expect(t).not.toContain('evil.example');
    expect(JSON.stringify(card)).toContain('evil.example'); // shown, as literal text
  });

  it('every card for arbitrary text parses and fits', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 3000 }),
        fc.integer({ min: 1, max: 300 }),
        (text, n) => {
          const base = groupNotification(n);
          const hostile = notificationOf([hostileFailure(text), ...base.failures.slice(1)], {
            nodes: [...base.nodes, text],
            count: n + 1,
          });
          const rendered = toTeamsMessage(hostile);
          expect(rendered.bytes).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
          expect(cardProblems(rendered.message.attachments[0].content)).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });
});
