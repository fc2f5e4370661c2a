import { describe, expect, it } from 'vitest';
import type { EnrichedFailure } from '../../src/model.js';
import { terminalSafe, toConsoleText } from '../../src/render/toConsoleText.js';

const failure: EnrichedFailure = {
  schemaVersion: 1,
  fingerprint: '0123456789abcdef0123456789abcdef',
  source: 'activity-log',
  kind: 'operation-failed',
  sourceId: 'row-1',
  status: 'firing',
  occurredAt: '2026-11-21T03:12:00.000Z',
  cluster: {
    resourceId:
      '/subscriptions/s/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/prod-weu',
    subscriptionId: 's',
    resourceGroup: 'rg-prod',
    name: 'prod-weu',
  },
  nodePool: 'user1',
  title: 'Scale of agent pool user1 failed',
  summary: 'x',
  severity: 'error',
  category: 'networking',
  matches: [
    {
      code: 'SubnetIsFull',
      aliases: [],
      title: 'Subnet is full',
      category: 'networking',
      severity: 'error',
      meaning: 'The subnet has no free addresses for the new nodes.',
      mitigation: 'Use a larger subnet or Azure CNI Overlay.',
      docUrl: 'https://learn.microsoft.com/x',
      matchedText: 'SubnetIsFull',
    },
  ],
  unrecognised: ['SomethingNew'],
  links: [{ kind: 'doc', title: 'Troubleshoot SubnetIsFull', url: 'https://learn.microsoft.com/x' }],
  texts: ['Code="SubnetIsFull"'],
  errorCodes: ['SubnetIsFull'],
  attributes: {},
};

describe('toConsoleText', () => {
  it('says what failed, where, what it means, what to do and where to look', () => {
    const text = toConsoleText(failure);
    expect(text.split('\n')[0]).toBe('[ERROR] Scale of agent pool user1 failed');
    expect(text).toContain('cluster prod-weu (rg-prod), pool user1');
    expect(text).toContain('SubnetIsFull: The subnet has no free addresses');
    expect(text).toContain('What to do: Use a larger subnet');
    expect(text).toContain('Unrecognised codes: SomethingNew');
    expect(text).toContain('Troubleshoot SubnetIsFull: https://learn.microsoft.com/x');
  });

  it('shows the raw message when nothing matched', () => {
    const text = toConsoleText({ ...failure, matches: [], texts: ['disk  full\non node'] });
    expect(text).toContain('Message: disk full on node');
    expect(text).toContain('No catalog entry matched.');
  });

  it('never lets untrusted text drive the terminal', () => {
    const hostile = 'ok\u001b[2J\u001b]8;;https://evil\u0007click\u202e';
    const text = toConsoleText({ ...failure, title: hostile, node: hostile });
    for (const ch of ['\u001b', '\u0007', '\u202e']) expect(text.includes(ch)).toBe(false);
    expect(text).toContain('\\u001b[2J');
    expect(terminalSafe('over\rwrite\nline')).toBe('over\\u000dwrite\nline');
  });
});
