import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { EnrichedFailure } from '../../src/model.js';
import { memoryIo } from '../support/io.js';

const SAMPLES = join(process.cwd(), 'tests', 'fixtures', 'samples');

async function cli(args: string[], stdin = '') {
  const m = memoryIo(stdin, {}, SAMPLES);
  const code = await runCli(['enrich', ...args], m.io);
  return { code, out: m.stdout(), err: m.stderr() };
}

describe('enrich', () => {
  it('enriches an Event Grid node-pool rolling failure', async () => {
    const r = await cli(['eventgrid-aks-nodepool-rolling-failed.json', '--json']);
    expect(r.code).toBe(0);
    const failures = JSON.parse(r.out) as EnrichedFailure[];
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ source: 'event-grid', kind: 'nodepool-rolling', status: 'firing' });
    expect(failures[0]?.nodePool).toBeTruthy();
  });

  it('enriches a common-schema alert read from standard input', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(join(SAMPLES, 'common-alert-activity-log-administrative.json'), 'utf8');
    const r = await cli(['-'], text);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\d+ failure\(s\)/);
  });

  it('names input that is not JSON', async () => {
    const r = await cli(['-'], 'not json');
    expect(r.code).toBe(2);
    expect(r.err).toContain('- is not JSON');
  });
});
