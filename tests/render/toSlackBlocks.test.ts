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

  it('has a header, the location, what happened, facts, mitigation and links', () => {
    const { message } = toSlackMessage(variants['operation failure']);
    expect(message.blocks[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: 'ERROR: Agent pool write failed' },
    });
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('aks-prod-weu-01 › nodepool1');
    expect(text).toContain('*What to do*');
    expect(text).toContain('*Error code*\\nVMExtensionProvisioningError, OutboundConnFailVMExtensionError');
    expect(text).toMatch(/<https:\/\/learn\.microsoft\.com\/[^|>]+\|Troubleshoot 1>/);
    expect(message.text).toBe('ERROR: Agent pool write failed (aks-prod-weu-01 › nodepool1)');
  });

  it('counts and lists the nodes of a group', () => {
    const text = JSON.stringify(toSlackMessage(groupNotification(7)).message);
    expect(text).toContain('7 × Node auto-repair: reboot failed');
    expect(text).toContain('*Nodes affected (7)*');
  });

  it('shortens by leaving out the least important parts and says so', () => {
    const n = notificationOf([
      operationFailure({ texts: ['a'.repeat(1400), 'b'.repeat(1400), 'c'.repeat(1400)] }),
    ]);
    const full = toSlackMessage(n);
    expect(full.dropped).toEqual([]);
    const small = toSlackMessage(n, blockTextLength(full.message.blocks) - 1000);
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
