import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ReceivedResponse } from './wireProtocol.js';

/**
 * One POST over node:http(s) with kept-alive connections: several times cheaper in CPU than fetch,
 * which is what bounds delivery at thousands of notifications. Redirects are not followed (the
 * 3xx answer is returned); the answer body is read up to 64 KiB (enough for any error text).
 */
const MAX_ANSWER = 64 * 1024;
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 16 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 16 }),
};

class PostTimeoutError extends Error {
  constructor() {
    super('timed out');
    this.name = 'TimeoutError';
  }
}

function headersOf(res: IncomingMessage): Headers {
  const h = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      try {
        h.append(name, v);
      } catch {
        // A header value fetch would reject: left out, as fetch would not show it either.
      }
    }
  }
  return h;
}

export function httpPost(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<ReceivedResponse> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  if (!secure && u.protocol !== 'http:')
    return Promise.reject(new Error(`unsupported protocol ${u.protocol}`));
  const payload = Buffer.from(body, 'utf8');
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const req = (secure ? httpsRequest : httpRequest)(
      u,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { ...headers, 'content-length': String(payload.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_ANSWER) chunks.push(c);
          size += c.length;
        });
        res.on('end', () =>
          done(() =>
            resolve({
              status: res.statusCode ?? 0,
              headers: headersOf(res),
              body: Buffer.concat(chunks).subarray(0, MAX_ANSWER).toString('utf8'),
            }),
          ),
        );
        res.on('error', (err) => done(() => reject(err)));
      },
    );
    // Counted from when the request has a connection: with more sends in flight than the agent has
    // sockets, the rest queue, and waiting for a socket is not the receiver being slow.
    req.once('socket', () => {
      if (settled) return;
      timer = setTimeout(() => {
        const err = new PostTimeoutError();
        req.destroy(err);
        done(() => reject(err));
      }, timeoutMs);
    });
    req.on('error', (err) => done(() => reject(err)));
    req.end(payload);
  });
}
