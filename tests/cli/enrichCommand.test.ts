import { readFileSync } from 'node:fs';
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

  it('counts notices apart from failures', async () => {
    const support = await cli(['eventgrid-aks-cluster-support-ended.json']);
    expect(support.code).toBe(0);
    expect(support.out).toContain('0 failure(s), 1 notice(s) (not failures)');
    const batch = await cli(['CONSTRUCTED-eventgrid-webhook-delivery-aks-batch.json']);
    expect(batch.out).toContain('1 failure(s), 1 notice(s) (not failures)');
    const failure = await cli(['eventgrid-aks-nodepool-rolling-failed.json']);
    expect(failure.out).toMatch(/^1 failure\(s\)$/m);
  });

  it('matches the error code an activity-log alert carries against the catalog', async () => {
    const r = await cli([
      'CONSTRUCTED-common-alert-activity-log-aks-agentpool-failed.json',
      '--json',
      '--from',
      'common-alert',
    ]);
    expect(r.code).toBe(0);
    const failures = JSON.parse(r.out) as EnrichedFailure[];
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.flatMap((f) => f.matches.map((m) => m.code))).toContain('OperationNotAllowed');
  });

  it('reads CloudEvents with --from cloudevents and says what it could not look up', async () => {
    const r = await cli(['cloudevents-aks-nodepool-rolling-failed.json', '--from', 'cloudevents']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Note: offline: no cluster context');
    expect(r.out).toContain('1 failure(s)');
  });

  it('refuses a payload of another form than --from names, and an unknown form', async () => {
    const wrong = await cli(['eventgrid-aks-nodepool-rolling-failed.json', '--from', 'cloudevents']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('is not cloudevents input: it reads as event-grid');
    const unknown = await cli(['eventgrid-aks-nodepool-rolling-failed.json', '--from', 'sns']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--from must be one of event-grid, cloudevents, common-alert');
  });

  it('prints the good events of a batch, names the malformed one and exits 1', async () => {
    const batch = JSON.parse(
      readFileSync(join(SAMPLES, 'CONSTRUCTED-eventgrid-webhook-delivery-aks-batch.json'), 'utf8'),
    ) as Record<string, unknown>[];
    const broken = { ...batch[1], id: 'broken-1', eventTime: 'yesterday' };
    const r = await cli(['-', '--json'], JSON.stringify([...batch, broken]));
    expect(r.code).toBe(1);
    expect(r.err).toContain('event broken-1');
    expect(r.err).toContain('eventTime: is not a date-time');
    const failures = JSON.parse(r.out) as EnrichedFailure[];
    expect(failures.map((f) => f.sourceId)).toEqual(batch.map((e) => e.id));
  });

  it('reads a part of an alert as an alert and names what the common schema is missing', async () => {
    const r = await cli(['common-alert-log-search-resource-centric-alertcontext.json']);
    expect(r.code).toBe(1);
    expect(r.err).toContain("schemaId: must be 'azureMonitorCommonAlertSchema'");
    expect(r.out).toBe('');
  });

  it('names input that is not JSON', async () => {
    const r = await cli(['-'], 'not json');
    expect(r.code).toBe(2);
    expect(r.err).toContain('- is not JSON');
  });
});
