import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { match } from '../../src/catalog/index.js';

/**
 * Failure messages as AKS, Resource Manager, the CLI, Terraform, node bootstrap and the cluster
 * autoscaler really print them (each with where it was seen), and the catalog entry an operator
 * would expect first. Guards the matcher against message shapes the hand-written tests miss.
 */
interface Case {
  message: string;
  /** Acceptable top matches; empty when the catalog rightly has no entry. */
  expected: string[];
  /** Codes the catalog lacks that the matcher should report; none when absent. */
  expectedUnrecognised?: string[];
  source: string;
}

const cases: Case[] = readFileSync(
  new URL('../fixtures/catalog/real-world-messages.jsonl', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Case);

const short = (s: string) => (s.length > 160 ? `${s.slice(0, 160)}…` : s).replace(/\s+/g, ' ');

describe('real-world AKS failure messages', () => {
  it('has a corpus worth the name', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases.map((c, i) => [i + 1, c.source, c] as const))('#%i %s', (_n, _source, c) => {
    const r = match(c.message);
    const top = r.matches[0]?.entry.code;
    const report = [
      `message:      ${short(c.message)}`,
      `expected:     ${c.expected.length > 0 ? c.expected.join(' | ') : '(no match)'}`,
      `got:          ${r.matches.map((m) => `${m.entry.code} [${m.via} ${m.score} "${short(m.matchedText)}"]`).join(', ') || '(no match)'}`,
      `unrecognised: expected [${(c.expectedUnrecognised ?? []).join(', ')}], got [${r.unrecognised.join(', ')}]`,
    ].join('\n');
    const topOk = c.expected.length === 0 ? top === undefined : top !== undefined && c.expected.includes(top);
    expect(topOk, report).toBe(true);
    const norm = (xs: readonly string[]) => [...new Set(xs.map((x) => x.toLowerCase()))].sort();
    expect(norm(r.unrecognised), report).toEqual(norm(c.expectedUnrecognised ?? []));
  });
});
