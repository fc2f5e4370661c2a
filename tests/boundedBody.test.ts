import { describe, expect, it } from 'vitest';
import { readBoundedBody } from '../src/boundedBody.js';

/** A body that never ends: only a reader that stops at its limit returns. */
function endless(): ReadableStream<Uint8Array> {
  let pulled = 0;
  return new ReadableStream({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(1024).fill(0x61));
      if (pulled > 100_000) controller.close();
    },
  });
}

const request = (body: ReadableStream<Uint8Array> | null, headers: Record<string, string> = {}) => ({
  headers: new Headers(headers),
  body,
});

describe('readBoundedBody', () => {
  it('reads a body within the limit as text', async () => {
    const body = new Response('t=abc').body;
    expect(await readBoundedBody(request(body), 16)).toEqual({ ok: true, text: 't=abc' });
  });

  it('refuses a declared length over the limit without reading', async () => {
    expect(await readBoundedBody(request(endless(), { 'content-length': '1000000' }), 2048)).toEqual({
      ok: false,
      problem: 'too-large',
    });
  });

  it('stops reading an undeclared body once it passes the limit', async () => {
    expect(await readBoundedBody(request(endless()), 2048)).toEqual({ ok: false, problem: 'too-large' });
  });

  it('refuses bytes that are not UTF-8', async () => {
    const body = new Response(new Uint8Array([0x74, 0x3d, 0xff, 0xfe])).body;
    expect(await readBoundedBody(request(body), 16)).toEqual({ ok: false, problem: 'not-utf8' });
  });
});
