/**
 * Local HTTP receivers that answer like the real services (Teams Workflows 202, Slack `ok` / 429
 * with Retry-After, PagerDuty 202 / 400 / 429), and a one-shot sender that drives a WireProtocol
 * through prepare -> fetch -> classify the way delivery does.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SendOutcome, WireProtocol } from '../../src/deliver/wireProtocol.js';
import type { Receiver } from '../../src/model.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface CannedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** reset: drop the connection without an answer; hang: never answer (until close). */
  fault?: 'reset' | 'hang';
}

export interface LocalReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answers to give, in order; when empty, `normal` answers. */
  script: CannedAnswer[];
  close(): Promise<void>;
}

/** What each service answers to a valid request. */
export const NORMAL_ANSWERS: Record<'teams' | 'slack' | 'pagerduty', CannedAnswer> = {
  teams: { status: 202, body: '' },
  slack: { status: 200, body: 'ok', headers: { 'content-type': 'text/html' } },
  pagerduty: {
    status: 202,
    body: JSON.stringify({ status: 'success', message: 'Event processed' }),
    headers: { 'content-type': 'application/json' },
  },
};

/**
 * Starts a receiver on 127.0.0.1. `validate` may turn a request into an error answer the way the
 * service would (Slack `invalid_payload`, PagerDuty 400).
 */
export async function startReceiver(
  normal: CannedAnswer,
  validate?: (req: ReceivedRequest) => CannedAnswer | undefined,
): Promise<LocalReceiver> {
  const requests: ReceivedRequest[] = [];
  const script: CannedAnswer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      const answer = script.shift() ?? validate?.(received) ?? normal;
      if (answer.fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (answer.fault === 'hang') return;
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/hook`,
    requests,
    script,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** One delivery attempt of a stored body, as delivery makes it. */
export async function sendOnce(
  protocol: WireProtocol,
  body: string,
  receiver: Receiver,
  now = new Date(),
): Promise<SendOutcome> {
  const request = protocol.prepare({ id: 'n-1', body, attempt: 1 }, receiver, now);
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  return protocol.classify({
    status: response.status,
    headers: response.headers,
    body: await response.text(),
  });
}
