/**
 * Input that used to stop a whole batch: lone UTF-16 surrogates, nesting deep enough to overflow the
 * stack, corrupt state records. Each gets a clear error (or is set aside) and the rest goes on.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { enqueueOutgoing, listOutbox } from '../../src/deliver/outbox.js';
import { portalResourceUrl } from '../../src/enrich/links.js';
import { logsDeepLink } from '../../src/enrich/logsLink.js';
import { DEFAULT_POLICY } from '../../src/notify/policy.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { processSignals } from '../../src/pipeline/processSignals.js';
import { fromEventGrid } from '../../src/sources/eventGrid/fromEventGrid.js';
import { readHealth, STATE_HEALTH_NAME } from '../../src/state/deliveryHealth.js';
import type { CorruptRecord } from '../../src/state/fileStore.js';
import { createFileStore, JOURNAL_FILE } from '../../src/state/fileStore.js';
import {
  CORRUPT_PARTITION,
  createTableStore,
  decodeTableKey,
  encodeTableKey,
} from '../../src/state/tableStore.js';
import type { Azurite } from '../support/azurite.js';
import { startAzurite } from '../support/azurite.js';
import { poolFailure, routingTo } from '../support/faultScenario.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const LONE = 'aks-\ud800-prod';

describe('lone surrogates', () => {
  it('links and deep links are built (the surrogate replaced), not thrown on', () => {
    expect(
      portalResourceUrl(`/subscriptions/x/resourceGroups/rg/providers/p/managedClusters/${LONE}`),
    ).toContain('aks-%EF%BF%BD-prod');
    expect(logsDeepLink(`/subscriptions/x/${LONE}`, 'KubeEvents', new Date(0), new Date(1))).toContain(
      '%EF%BF%BD',
    );
  });

  it('a failure with one is processed with the rest of its batch', async () => {
    const p = createPipeline({
      store: createFileStore(dir),
      routing: routingTo('http://127.0.0.1:9/hook'),
      policy: DEFAULT_POLICY,
    });
    const bad = poolFailure(`id-\udc00`, LONE, `pool\ud800`, 0);
    const good = poolFailure('id-2', 'aks-good', 'pool1', 0);
    const report = await processSignals(p.deps, [bad, good]);
    expect(report).toMatchObject({ processed: 2, enqueued: 2 });
    expect(await processSignals(p.deps, [bad, good])).toMatchObject({ duplicates: 2, enqueued: 0 });
  });

  it('keys with one stay distinct from the replacement character, in files and in Table Storage keys', async () => {
    const store = createFileStore(dir);
    await store.put('s', 'k\ud800', 1);
    await store.put('s', 'k\ufffd', 2);
    await store.put('s', `${'x'.repeat(200)}\ud800`, 3);
    await store.put('s', `${'x'.repeat(200)}\ufffd`, 4);
    expect((await store.get('s', 'k\ud800'))?.value).toBe(1);
    expect((await store.get('s', 'k\ufffd'))?.value).toBe(2);
    expect((await store.get('s', `${'x'.repeat(200)}\ud800`))?.value).toBe(3);
    const keys: string[] = [];
    for await (const e of store.list('s')) keys.push(e.key);
    expect(keys).toHaveLength(4);
    for (const key of ['k\ud800', 'k\udc00x', '%u d800', 'a/b#c?%'])
      expect(decodeTableKey(encodeTableKey(key))).toBe(key);
    expect(encodeTableKey('k\ud800')).not.toMatch(/[\ud800-\udfff]/);
  });
});

describe('deep nesting', () => {
  it('a CloudEvents specversion nested 10,000 deep is one event error; the next event is read', () => {
    let nested: unknown = '1.0';
    for (let i = 0; i < 10_000; i++) nested = { v: nested };
    const good = {
      id: 'ok-1',
      topic:
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks',
      subject: 'aks',
      eventType: 'Microsoft.ContainerService.NodePoolRollingFailed',
      eventTime: '2026-08-20T10:14:00Z',
      data: { nodePoolName: 'pool1' },
      dataVersion: '1',
      metadataVersion: '1',
    };
    const parsed = fromEventGrid([{ id: 'deep', specversion: nested, type: 'x' }, good]);
    expect(parsed.errors).toEqual([
      expect.objectContaining({
        index: 0,
        field: 'specversion',
        message: expect.stringContaining('(an object)') as unknown,
      }),
    ]);
    expect(parsed.signals.map((s) => s.sourceId)).toEqual([expect.stringContaining('ok-1')]);
  });
});

/** Overwrites the journal line holding `text` with bytes of the same length that fail their checksum. */
function corruptLine(state: string, text: string): string {
  const file = join(state, JOURNAL_FILE);
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  const line = lines[i] ?? '';
  lines[i] = `${line.slice(0, line.length - 4)}vers`;
  writeFileSync(file, lines.join('\n'));
  return lines[i] ?? '';
}

describe('corrupt state records', () => {
  it('file store: named, moved aside, counted in delivery health; the listing goes on', async () => {
    const seen: CorruptRecord[] = [];
    const item = (id: string) => ({
      receiver: 'ops',
      sinkType: 'generic' as const,
      id,
      body: '{}',
      createdAt: '2026-11-21T03:00:00.000Z',
      summary: id,
    });
    await enqueueOutgoing(createFileStore(dir), [item('n-1'), item('n-2')]);
    const bad = corruptLine(dir, '"ops|n-1"');
    // The next process to open the folder finds it.
    const store = createFileStore(dir, { onCorrupt: (r) => seen.push(r) });
    const ids: string[] = [];
    for await (const { item: i } of listOutbox(store, 'pending')) ids.push(i.id);
    expect(ids).toEqual(['n-2']);
    expect(seen).toEqual([
      expect.objectContaining({
        file: expect.stringContaining(join(dir, JOURNAL_FILE)) as unknown,
        problem: 'checksum mismatch',
      }),
    ]);
    expect(readFileSync(seen[0]?.movedTo ?? '', 'utf8')).toBe(`${bad}\n`);
    await vi.waitFor(async () =>
      expect((await readHealth(store, new Date(), new Date()))[STATE_HEALTH_NAME]?.poisoned).toBe(1),
    );
    // Moved aside: the journal no longer holds it, and a fresh reader reports nothing.
    expect(readFileSync(join(dir, JOURNAL_FILE), 'utf8')).not.toContain(bad);
    const again: CorruptRecord[] = [];
    const ids2: string[] = [];
    for await (const { item: i } of listOutbox(
      createFileStore(dir, { onCorrupt: (r) => again.push(r) }),
      'pending',
    ))
      ids2.push(i.id);
    expect([ids2, again]).toEqual([['n-2'], []]);
  });

  it('a corrupt group window does not stop the run: the failure opens a new window', async () => {
    const p = createPipeline({
      store: createFileStore(dir),
      routing: routingTo('http://127.0.0.1:9/hook'),
      policy: DEFAULT_POLICY,
    });
    await processSignals(p.deps, [poolFailure('w-1', 'aks-w', 'pool1', 0)]);
    corruptLine(dir, '["notify-groups"');
    const named: string[] = [];
    const q = createPipeline({
      store: createFileStore(dir, { onCorrupt: (r) => named.push(r.problem) }),
      routing: routingTo('http://127.0.0.1:9/hook'),
      policy: DEFAULT_POLICY,
    });
    const report = await processSignals(q.deps, [poolFailure('w-2', 'aks-w', 'pool2', 1000)]);
    expect(report).toMatchObject({ processed: 1, notifications: 1, problems: [] });
    expect(named).toEqual(['checksum mismatch']);
  });
});

describe('corrupt entities in Table Storage (Azurite)', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite(['table']);
  }, 60_000);
  afterAll(() => azurite.stop());

  it('are moved to their own partition, named and counted; reads go on', async () => {
    const client = TableClient.fromConnectionString(azurite.connectionString, 'corrupt', {
      allowInsecureConnection: true,
    });
    const named: string[] = [];
    const store = createTableStore(client, { onCorrupt: (r) => named.push(`${r.entity}: ${r.problem}`) });
    await store.put('scope', 'good', { ok: true });
    await store.put('scope', 'bad', { ok: true });
    await client.upsertEntity({ partitionKey: 'scope', rowKey: 'bad', n: 1, v0: '{"ok":tr' }, 'Replace');
    expect(await store.get('scope', 'bad')).toBeUndefined();
    expect(named).toEqual([expect.stringMatching(/^scope\/bad: not JSON/)]);
    const keys: string[] = [];
    for await (const e of store.list('scope')) keys.push(e.key);
    expect(keys).toEqual(['good']);
    const aside: unknown[] = [];
    for await (const e of client.listEntities({
      queryOptions: { filter: `PartitionKey eq '${CORRUPT_PARTITION}'` },
    }))
      aside.push(e.v0);
    expect(aside).toEqual(['{"ok":tr']);
    expect((await readHealth(store, new Date(), new Date()))[STATE_HEALTH_NAME]?.poisoned).toBe(1);
  }, 60_000);
});
