/**
 * A request body as UTF-8 text, read to at most `limit` bytes: a larger one is refused as soon as it
 * is known to be too large (by its Content-Length, else while reading), so a caller of an open
 * endpoint cannot make the app hold a body of any size.
 */
export type BoundedBody = { ok: true; text: string } | { ok: false; problem: 'too-large' | 'not-utf8' };

export async function readBoundedBody(
  request: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  limit: number,
): Promise<BoundedBody> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limit)
    return { ok: false, problem: 'too-large' };
  if (!request.body) return { ok: true, text: '' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, problem: 'too-large' };
    }
    chunks.push(value);
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)) };
  } catch {
    return { ok: false, problem: 'not-utf8' };
  }
}
