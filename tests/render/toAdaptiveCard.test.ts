import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Notification } from '../../src/model.js';
import { TEAMS_MAX_BYTES, toAdaptiveCard, toTeamsMessage } from '../../src/render/toAdaptiveCard.js';
import {
  autoRepairFailure,
  autoscalerFailure,
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

  /** The text a reader sees before opening Details: everything outside the folded container. */
  function visibleText(card: ReturnType<typeof toAdaptiveCard>): string {
    const shown = card.body.filter((e) => e.id !== 'details');
    return JSON.stringify(shown);
  }

  it('leads with a generated title that says what failed, where and the code', () => {
    const card = toAdaptiveCard(variants['operation failure']);
    const header = JSON.stringify(card.body[0]);
    expect(header).toContain('ERROR');
    expect(header).toContain(
      'Node pool nodepool1 update failed on aks-prod-weu-01: VMExtensionProvisioningError',
    );
    expect(header).toContain('2026-03-14 02:17:43 UTC');
  });

  it('never uses a raw log line as the title', () => {
    const autoscaler = notificationOf([autoscalerFailure()]);
    const header = JSON.stringify(toAdaptiveCard(autoscaler).body[0]);
    expect(header).toContain("Autoscaler can't scale pool gpu on aks-prod-weu-01: ZonalAllocationFailed");
    expect(header).not.toContain('RawError');
  });

  it('states each fact once before Details, then what to do first', () => {
    const visible = visibleText(toAdaptiveCard(variants['operation failure']));
    for (const fact of ['aks-prod-weu-01', 'nodepool1', 'VMExtensionProvisioningError'])
      expect(visible.split(fact).length - 1, fact).toBe(1);
    expect(visible).toContain('Do first: ');
    expect(visible).toContain('Fix egress, then reconcile the node pool.');
    expect(visible).not.toContain('rg-aks-prod-weu');
  });

  it('folds the details away behind a toggle, within Adaptive Cards 1.4', () => {
    const card = toAdaptiveCard(variants['operation failure']);
    const details = card.body.find((e) => e.id === 'details');
    expect(details).toMatchObject({ type: 'Container', isVisible: false });
    const toggle = card.body.find((e) => (e.selectAction as { type?: string } | undefined)?.type);
    expect(toggle?.selectAction).toEqual({
      type: 'Action.ToggleVisibility',
      title: 'Details',
      targetElements: ['details'],
    });
    const folded = JSON.stringify(details);
    for (const fact of [
      'rg-aks-prod-weu',
      'Kubernetes',
      '1.30.6',
      'Correlation id',
      'vmssCSE',
      'OutboundConnFailVMExtensionError',
    ])
      expect(folded, fact).toContain(fact);
    expect(card.version).toBe('1.4');
  });

  it('has buttons for the guide, the logs, the portal and Silence 4 h (when the app has a link)', () => {
    const n = variants['operation failure'];
    const silenceUrl = 'https://func.example/api/silence?t=v1.abc.1.sig';
    const card = toAdaptiveCard(n, TEAMS_MAX_BYTES, { silenceUrl });
    expect(card.actions.map((a) => a.title)).toEqual([
      'Troubleshooting guide',
      'Logs',
      'Portal',
      'Silence 4 h',
    ]);
    expect(card.actions.at(-1)).toEqual({ type: 'Action.OpenUrl', title: 'Silence 4 h', url: silenceUrl });
    expect(toAdaptiveCard(n).actions.map((a) => a.title)).not.toContain('Silence 4 h');
    // A link that is not https is never a button.
    expect(toAdaptiveCard(n, TEAMS_MAX_BYTES, { silenceUrl: 'javascript:alert(1)' }).actions).toHaveLength(3);
  });

  it('a resolve is one line that says how long it lasted', () => {
    const resolved = notificationOf([
      resolvedOf(
        operationFailure({
          attributes: { firedAt: '2026-03-14T02:17:43.512Z', resolvedAt: '2026-03-14T03:22:10.000Z' },
        }),
        '2026-03-14T03:22:10.000Z',
      ),
    ]);
    const card = toAdaptiveCard(resolved, TEAMS_MAX_BYTES, {
      silenceUrl: 'https://func.example/api/silence?t=x',
    });
    expect(card.body).toHaveLength(1);
    expect(card.actions).toEqual([]);
    const text = JSON.stringify(card);
    expect(text).toContain('RESOLVED');
    expect(text).toContain(
      'Node pool nodepool1 update failed on aks-prod-weu-01: VMExtensionProvisioningError — lasted 1 h 4 min',
    );
    expect(text).not.toContain('Do first');
    // Without the time it fired, it says when it resolved.
    expect(JSON.stringify(toAdaptiveCard(variants.resolved))).toContain('— resolved 2026-03-14 05:10:00 UTC');
  });

  it('a group names how many nodes, over which span, and lists them under Details', () => {
    const card = toAdaptiveCard(groupNotification(12));
    const header = JSON.stringify(card.body[0]);
    expect(header).toContain(
      "Auto-repair couldn't reboot 12 nodes in pool nodepool1 on aks-prod-weu-01: NodeRebootError",
    );
    expect(header).toContain('2026-03-14 03:00:00 – 03:01:17 UTC · 12 failures in 1 min');
    const details = JSON.stringify(card.body.find((e) => e.id === 'details'));
    expect(details).toContain('Nodes (12)');
    expect(details).toContain('aks-nodepool1-38471923-vmss000011');
    expect(JSON.stringify(toAdaptiveCard(groupNotification(500)))).toContain('… and 450 more');
  });

  it('a group update says when the first message went out; a partial resolve, how many still fail', () => {
    const update = groupNotification(40, {
      update: { firstId: 'first', firstSentAt: '2026-03-14T03:00:07.000Z', alreadySent: 1 },
    });
    expect(JSON.stringify(toAdaptiveCard(update).body[0])).toContain(
      'update of the message sent 2026-03-14 03:00:07 UTC',
    );
    const resolved = groupNotification(3, { status: 'resolved', stillFiring: 2 });
    expect(JSON.stringify(toAdaptiveCard(resolved))).toContain('2 of the group still failing');
  });

  it('marks failures during an upgrade', () => {
    expect(JSON.stringify(toAdaptiveCard(variants['during upgrade']))).toContain('node pool was rolling');
    expect(JSON.stringify(toAdaptiveCard(variants['operation failure']))).not.toContain(
      'node pool was rolling',
    );
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
    expect(small.body).toContain('Do first');
    expect(cardProblems(small.message.attachments[0].content)).toEqual([]);
  });

  it('keeps the essentials even under a very small limit', () => {
    const small = toTeamsMessage(variants['operation failure'], 2500);
    expect(small.bytes).toBeLessThanOrEqual(2500);
    expect(small.body).toContain('Node pool nodepool1 update failed');
    expect(small.body).toContain('Do first');
    expect(small.dropped).toContain('facts');
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
