import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Notification } from '../../src/model.js';
import { blockTextLength, clipEscaped, toSlackMessage } from '../../src/render/toSlackBlocks.js';
import { slackViolations } from './slackValidator.js';
import {
  autoRepairFailure,
  groupNotification,
  hostileFailure,
  notificationOf,
  operationFailure,
  plainAlertFailure,
  resolvedOf,
} from '../support/enrichedFailures.js';

const variants = {
  'operation failure': notificationOf([operationFailure()]),
  'auto-repair': notificationOf([autoRepairFailure()]),
  'group of 500': groupNotification(500),
  resolved: notificationOf([resolvedOf(operationFailure())]),
  'plain alert': notificationOf([plainAlertFailure()]),
  'during upgrade': notificationOf([operationFailure({ duringUpgrade: true })]),
  hostile: notificationOf([hostileFailure('<!channel> & <https://evil.example|login> '.repeat(3000))]),
} satisfies Record<string, Notification>;

describe('toSlackMessage', () => {
  for (const [name, n] of Object.entries(variants)) {
    it(`${name}: within every Slack limit`, () => {
      const { message, body } = toSlackMessage(n);
      expect(slackViolations(message)).toEqual([]);
      expect(JSON.parse(body)).toEqual(message);
    });
  }

  it('leads with the generated title, then when, what to do first and the buttons', () => {
    const silenceUrl = 'https://func.example/api/silence?t=v1.abc.1.sig';
    const { message } = toSlackMessage(variants['operation failure'], undefined, { silenceUrl });
    expect(message.blocks[0]).toMatchObject({
      type: 'header',
      text: {
        type: 'plain_text',
        text: 'ERROR: Node pool nodepool1 update failed on aks-prod-weu-01: VMExtensionProvisioningError',
      },
    });
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('2026-03-14 02:17:43 UTC');
    expect(text).toContain('*Do first:* Read the exit status');
    const actions = message.blocks.find((b) => b.type === 'actions') as {
      elements: { text: { text: string }; url: string }[];
    };
    expect(actions.elements.map((e) => e.text.text)).toEqual([
      'Troubleshooting guide',
      'Logs',
      'Portal',
      'Silence 4 h',
    ]);
    expect(actions.elements.at(-1)?.url).toBe(silenceUrl);
    // Each fact once: the cluster is in the title, not repeated in a field.
    const shown = text.replace(/"url":"[^"]*"/g, '');
    expect(shown.split('aks-prod-weu-01').length - 1).toBe(1);
    expect(message.text).toBe(
      'ERROR: Node pool nodepool1 update failed on aks-prod-weu-01: VMExtensionProvisioningError',
    );
  });

  it('a resolve is one line with how long it lasted', () => {
    const n = notificationOf([
      resolvedOf(
        operationFailure({
          attributes: { firedAt: '2026-03-14T02:17:43.512Z', resolvedAt: '2026-03-14T02:40:00.000Z' },
        }),
        '2026-03-14T02:40:00.000Z',
      ),
    ]);
    const { message } = toSlackMessage(n);
    expect(message.blocks).toHaveLength(1);
    expect(JSON.stringify(message.blocks)).toContain('*RESOLVED*');
    expect(JSON.stringify(message.blocks)).toContain('— lasted 22 min');
  });

  it('counts and lists the nodes of a group', () => {
    const text = JSON.stringify(toSlackMessage(groupNotification(7)).message);
    expect(text).toContain("Auto-repair couldn't reboot 7 nodes in pool nodepool1");
    expect(text).toContain('*Nodes (7):*');
  });

  it('shortens by leaving out the least important parts and says so', () => {
    const n = notificationOf([
      operationFailure({ texts: ['a'.repeat(1400), 'b'.repeat(1400), 'c'.repeat(1400)] }),
    ]);
    const full = toSlackMessage(n);
    expect(full.dropped).toEqual([]);
    const small = toSlackMessage(n, blockTextLength(full.message.blocks) - 200);
    expect(small.dropped[0]).toBe('raw messages');
    expect(JSON.stringify(small.message.blocks)).toContain(
      "Shortened to fit Slack's limits; left out: raw messages.",
    );
  });

  it('clipEscaped never leaves half an entity', () => {
    expect(clipEscaped('ab&amp;cd', 4)).toBe('ab…');
    expect(clipEscaped('abc', 5)).toBe('abc');
  });

  it('stays within limits for arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 5000 }),
        fc.integer({ min: 1, max: 200 }),
        (text, k) => {
          const base = groupNotification(k);
          const n = notificationOf([hostileFailure(text), ...base.failures.slice(1)], {
            nodes: [text, ...base.nodes],
          });
          const { message } = toSlackMessage(n);
          expect(slackViolations(message)).toEqual([]);
          expect(JSON.stringify(message.blocks)).not.toMatch(/<!|<@|<https?:\/\/[^>]*evil/);
        },
      ),
      { numRuns: 40 },
    );
  });
});
