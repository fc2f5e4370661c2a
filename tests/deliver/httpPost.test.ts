import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpPost } from '../../src/deliver/httpPost.js';

let server: Server | undefined;

afterEach(async () => {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
});

async function serve(handler: RequestListener): Promise<string> {
  const s = createServer(handler);
  server = s;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((s.address() as AddressInfo).port)}/hook`;
}

describe('httpPost', () => {
  it('counts the timeout from when a request has its connection, not while it waits for one', async () => {
    // 16 connections per host, 32 sends: the second 16 wait 300 ms for a connection, then take
    // 300 ms more, past the 500 ms timeout counted from their start but well within it from their connection.
    const received: string[] = [];
    const url = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(String(req.headers['x-n']));
        setTimeout(() => res.writeHead(200).end('ok'), 300);
      });
    });
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) => httpPost(url, { 'x-n': String(i) }, '{}', 500)),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).toEqual(
      Array.from({ length: 32 }, () => 200),
    );
    expect(received).toHaveLength(32);
  });

  it('still times out a request the receiver never answers', async () => {
    const url = await serve((req) => req.resume());
    const started = Date.now();
    await expect(httpPost(url, {}, '{}', 200)).rejects.toMatchObject({
      name: 'TimeoutError',
      message: 'timed out',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});
