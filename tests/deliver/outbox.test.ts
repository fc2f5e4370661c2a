import { afterAll, describe, expect, it } from 'vitest';
import type { OutboxItem, OutboxItemInput, OutboxState } from '../../src/deliver/outbox.js';
import {
  enqueueOutgoing,
  finish,
  leaseItem,
  listOutbox,
  markRetry,
  replayDead,
} from '../../src/deliver/outbox.js';
import type { KeyValueStore } from '../../src/state/keyValueStore.js';
import { removeStoreDirs, STORES } from '../state/stores.js';

afterAll(removeStoreDirs);

const input = (receiver: string, id: string): OutboxItemInput => ({
  receiver,
  sinkType: 'generic',
  id,
  body: `{"id":"${id}"}`,
  createdAt: '2026-11-22T07:00:00.000Z',
  summary: `error on aks-1 (${id})`,
});

async function list(store: KeyValueStore, state: OutboxState, receiver?: string) {
  const out: { item: OutboxItem; version: string }[] = [];
  for await (const e of listOutbox(store, state, receiver)) out.push(e);
  return out;
}

describe.each(STORES)('outbox (%s store)', (_name, make) => {
  it('enqueues per receiver and id, idempotently, in any state', async () => {
    const { store, reopen } = make();
    expect(await enqueueOutgoing(store, [input('a', '1'), input('a', '2'), input('b', '1')])).toMatchObject({
      added: 3,
      existing: 0,
    });
    expect(await enqueueOutgoing(reopen(), [input('a', '1'), input('b', '2')])).toMatchObject({
      added: 1,
      existing: 1,
    });
    const [first] = await list(store, 'pending', 'a');
    expect(first?.item).toMatchObject({
      state: 'pending',
      attempts: 0,
      nextAttemptAt: '2026-11-22T07:00:00.000Z',
    });
    expect((await list(store, 'pending', 'a')).map((e) => e.item.id)).toEqual(['1', '2']);
    expect((await list(store, 'pending')).map((e) => `${e.item.receiver}/${e.item.id}`)).toEqual([
      'a/1',
      'a/2',
      'b/1',
      'b/2',
    ]);
    if (!first) throw new Error('missing');
    await finish(store, first.item, 'delivered', { at: '2026-11-22T07:01:00.000Z', attempted: true });
    expect(await enqueueOutgoing(store, [input('a', '1')])).toMatchObject({ added: 0, existing: 1 });
    expect((await list(store, 'delivered')).map((e) => [e.item.id, e.item.state, e.item.attempts])).toEqual([
      ['1', 'delivered', 1],
    ]);
    // A delivered record only stops a second send: it keeps no body.
    expect((await list(store, 'delivered'))[0]?.item.body).toBe('');
    expect((await list(store, 'pending', 'a')).map((e) => e.item.id)).toEqual(['2']);
  });

  it('records retries, dead-letters and replays a dead item with a fresh budget', async () => {
    const { store } = make();
    await enqueueOutgoing(store, [input('a', '1')]);
    const [p] = await list(store, 'pending');
    if (!p) throw new Error('missing');
    const error = 'HTTP 503';
    expect(
      await markRetry(store, p.item, p.version, {
        error,
        nextAttemptAt: '2026-11-22T07:05:00.000Z',
        at: '2026-11-22T07:01:00.000Z',
      }),
    ).toBe(true);
    // A stale version (another pass changed the item) is refused.
    expect(
      await markRetry(store, p.item, p.version, {
        error,
        nextAttemptAt: '2026-11-22T07:05:00.000Z',
        at: '2026-11-22T07:01:00.000Z',
      }),
    ).toBe(false);
    const [retried] = await list(store, 'pending');
    expect(retried?.item).toMatchObject({
      attempts: 1,
      lastError: error,
      nextAttemptAt: '2026-11-22T07:05:00.000Z',
    });
    if (!retried) throw new Error('missing');
    await finish(store, retried.item, 'dead', {
      at: '2026-11-22T07:06:00.000Z',
      error: 'HTTP 410',
      attempted: true,
    });
    expect(await list(store, 'pending')).toEqual([]);
    expect((await list(store, 'dead')).map((e) => [e.item.attempts, e.item.lastError])).toEqual([
      [2, 'HTTP 410'],
    ]);
    // A dead one keeps its body, to be replayed.
    expect((await list(store, 'dead'))[0]?.item.body).toBe('{"id":"1"}');
    expect(await replayDead(store, 'a', 'nope', new Date())).toBe(false);
    expect(await replayDead(store, 'a', '1', new Date('2026-11-22T08:00:00.000Z'))).toBe(true);
    expect(await list(store, 'dead')).toEqual([]);
    const [again] = await list(store, 'pending');
    expect(again?.item).toMatchObject({
      state: 'pending',
      attempts: 0,
      nextAttemptAt: '2026-11-22T08:00:00.000Z',
    });
    expect(again?.item.finishedAt).toBeUndefined();
  });

  it('leases an item to exactly one of two passes that read the same version', async () => {
    const { store, reopen } = make();
    await enqueueOutgoing(store, [input('a', '1')]);
    const [p] = await list(store, 'pending');
    if (!p) throw new Error('missing');
    const results = await Promise.all([
      leaseItem(store, p.item, p.version, '2026-11-22T07:02:00.000Z'),
      leaseItem(reopen(), p.item, p.version, '2026-11-22T07:02:00.000Z'),
    ]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const [leased] = await list(store, 'pending');
    expect(leased?.item.leaseUntil).toBe('2026-11-22T07:02:00.000Z');
  });
});
