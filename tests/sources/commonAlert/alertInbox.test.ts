import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeInboxMessage,
  encodeInboxMessage,
  InboxMessageTooLarge,
  MAX_QUEUE_MESSAGE_CHARS,
} from '../../../src/sources/commonAlert/alertInbox.js';
import type { InboxMessage } from '../../../src/sources/commonAlert/alertInbox.js';
import type { CommonAlert } from '../../../src/sources/commonAlert/parseCommonAlert.js';
import {
  alertOf,
  commonAlertSamples,
  commonAlertVariants,
  setAt,
} from '../../support/commonAlertFixtures.js';

const message = (alert: CommonAlert): InboxMessage => ({
  v: 1,
  key: 'k|fired',
  receivedAt: '2026-03-04T09:02:12.000Z',
  alert,
});

/** What the queue trigger hands the function: the base64 decoded, parsed as JSON when it is JSON. */
function asTriggerSees(encoded: string): unknown {
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

describe('inbox messages', () => {
  it.each([...commonAlertSamples(), ...commonAlertVariants()])('round-trips %s', (path) => {
    const m = message(alertOf(path));
    const encoded = encodeInboxMessage(m);
    expect(encoded.length).toBeLessThanOrEqual(MAX_QUEUE_MESSAGE_CHARS);
    expect(decodeInboxMessage(asTriggerSees(encoded))).toEqual({ ok: true, message: m });
  });

  it('decodes the message whether the trigger hands over text or parsed JSON', () => {
    const m = message(alertOf('commonAlert/metric-cluster-node-not-ready.json'));
    const text = Buffer.from(encodeInboxMessage(m), 'base64').toString('utf8');
    expect(decodeInboxMessage(text)).toEqual({ ok: true, message: m });
  });

  it('compresses an alert too large for a plain queue message, losing nothing', () => {
    const description = 'The node pool failed to scale. '.repeat(4000); // ~124 KB, compressible
    const m = message(
      alertOf('commonAlert/metric-cluster-node-not-ready.json', (b) =>
        setAt(b, 'data.essentials.description', description),
      ),
    );
    const encoded = encodeInboxMessage(m);
    expect(encoded.length).toBeLessThanOrEqual(MAX_QUEUE_MESSAGE_CHARS);
    expect(asTriggerSees(encoded)).toHaveProperty('gz');
    expect(decodeInboxMessage(asTriggerSees(encoded))).toEqual({ ok: true, message: m });
  });

  it('shortens the longest free text of an incompressible alert, keeps identity and query, and says so', () => {
    const noise = randomBytes(150 * 1024).toString('base64'); // ~200 KB that gzip cannot shrink
    const m = message(
      alertOf('commonAlert/log-search-kubeevents-auto-repair.json', (b) =>
        setAt(b, 'data.alertContext.properties', { team: 'platform', runbook: noise }),
      ),
    );
    const encoded = encodeInboxMessage(m);
    expect(encoded.length).toBeLessThanOrEqual(MAX_QUEUE_MESSAGE_CHARS);
    const decoded = decodeInboxMessage(asTriggerSees(encoded));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok || decoded.message.alert.type !== 'log-search') throw new Error('not a log search alert');
    expect(decoded.message.shortened).toContain('data.alertContext.properties.runbook');
    expect(decoded.message.alert.essentials).toEqual(m.alert.essentials);
    const before = m.alert.type === 'log-search' ? m.alert.context.condition.allOf[0] : undefined;
    expect(decoded.message.alert.context.condition.allOf[0]?.searchQuery).toBe(before?.searchQuery);
    expect(decoded.message.alert.context.condition.allOf[0]?.linkToFilteredSearchResultsAPI).toBe(
      before?.linkToFilteredSearchResultsAPI,
    );
    expect(decoded.message.alert.context.properties?.runbook).toMatch(/… \[shortened\]$/);
    expect(decoded.message.alert.context.properties?.team).toBe('platform');
  });

  it('gives up, with a typed error, when only protected fields are large', () => {
    const query = `KubeEvents | where Message has "${randomBytes(120 * 1024).toString('base64')}"`;
    const m = message(
      alertOf('commonAlert/log-search-kubeevents-auto-repair.json', (b) =>
        setAt(b, 'data.alertContext.condition.allOf.0.searchQuery', query),
      ),
    );
    expect(() => encodeInboxMessage(m)).toThrow(InboxMessageTooLarge);
  });

  it.each([
    ['text that is not JSON', 'hello'],
    ['JSON that is not an envelope', { hello: 'world' }],
    ['an envelope without an alert', { v: 1, key: 'k', receivedAt: 'now' }],
    [
      'an envelope with a corrupt compressed alert',
      { v: 1, key: 'k', receivedAt: 'now', gz: 'bm90IGd6aXA=' },
    ],
    ['an envelope whose alert is invalid', { v: 1, key: 'k', receivedAt: 'now', alert: { schemaId: 'x' } }],
  ])('refuses %s', (_label, entry) => {
    expect(decodeInboxMessage(entry)).toMatchObject({ ok: false });
  });
});
