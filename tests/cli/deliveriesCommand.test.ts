import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { createFileStore } from '../../src/state/fileStore.js';
import { enqueueOutgoing, finish, listOutbox } from '../../src/deliver/outbox.js';
import { memoryIo } from '../support/io.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deliveries-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]) {
  const m = memoryIo('', {}, dir);
  const code = await runCli(['deliveries', ...args, '--state', join(dir, 'state')], m.io);
  return { code, out: m.stdout(), err: m.stderr() };
}

async function seed(): Promise<void> {
  const store = createFileStore(join(dir, 'state'));
  const item = (id: string) => ({
    receiver: 'teams-oncall',
    sinkType: 'teams' as const,
    id,
    body: '{}',
    createdAt: '2026-11-22T07:00:00.000Z',
    summary: `firing error: Agent pool write failed on aks-prod \u001b[31m${id}`,
  });
  await enqueueOutgoing(store, [item('n-1'), item('n-2')]);
  for await (const { item: i } of listOutbox(store, 'pending')) {
    if (i.id === 'n-2')
      await finish(store, i, 'dead', { at: '2026-11-22T08:00:00.000Z', error: 'HTTP 400', attempted: true });
  }
}

describe('deliveries', () => {
  it('lists pending and dead-lettered notifications with their last error, escaping control characters', async () => {
    await seed();
    const r = await cli('list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/pending\s+teams-oncall n-1 attempts=0/);
    expect(r.out).toMatch(/dead\s+teams-oncall n-2 attempts=1/);
    expect(r.out).toContain('last error: HTTP 400');
    expect(r.out).not.toContain('\u001b');
  });

  it('replays a dead-lettered notification', async () => {
    await seed();
    expect((await cli('replay', 'teams-oncall', 'n-2')).code).toBe(0);
    const after = await cli('list', '--status', 'dead');
    expect(after.out).toContain('No dead deliveries.');
    expect((await cli('replay', 'teams-oncall', 'n-9')).code).toBe(1);
  });

  it('rejects an unknown status by name', async () => {
    const r = await cli('--status', 'lost');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--status must be one of pending, dead, delivered (got lost)');
  });
});
