import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { standardWebhookSignature } from '../../src/deliver/genericWebhook.js';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** When the request arrived (ms since the epoch, real clock). */
  at: number;
  /** Standard Webhooks signature check against the receiver's secret (undefined: no secret set). */
  signatureValid?: boolean;
}

/** What the receiver does with the next request. */
export type Answer =
  { status: number; headers?: Record<string, string>; body?: string } | { hang: true } | { reset: true };

/**
 * A local webhook receiver: records every request, verifies Standard Webhooks signatures when given
 * the secret, and answers from a script (default 200), so tests can play 500s, 429s, hangs and resets.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly script: Answer[] = [];
  fallback: Answer = { status: 200, body: 'ok' };
  /** Per request, before the script: an answer, or undefined for the usual one. */
  answer: ((req: ReceivedRequest) => Answer | undefined) | undefined;
  private server: Server | undefined;
  port = 0;

  constructor(private readonly secret?: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/secret-path-token`;
  }

  /** Distinct webhook-ids that were answered with a 2xx: what a deduplicating receiver keeps. */
  acceptedIds(): Set<string> {
    return new Set(
      this.requests
        .filter((r) => r.headers['x-test-accepted'] === '1')
        .map((r) => String(r.headers['webhook-id'])),
    );
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const record: ReceivedRequest = { path: req.url ?? '', headers: req.headers, body, at: Date.now() };
        if (this.secret) record.signatureValid = this.verify(req.headers, body);
        this.requests.push(record);
        const answer = this.answer?.(record) ?? this.script.shift() ?? this.fallback;
        if ('hang' in answer) return; // never answers: the sender's timeout fires
        if ('reset' in answer) {
          req.socket.destroy();
          return;
        }
        if (answer.status >= 200 && answer.status < 300) record.headers['x-test-accepted'] = '1';
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private verify(headers: IncomingHttpHeaders, body: string): boolean {
    const id = String(headers['webhook-id'] ?? '');
    const ts = Number(headers['webhook-timestamp']);
    const given = String(headers['webhook-signature'] ?? '');
    if (!this.secret || !id || !Number.isFinite(ts)) return false;
    const expected = standardWebhookSignature(this.secret, id, ts, body);
    return given
      .split(' ')
      .some(
        (sig) => sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected)),
      );
  }
}
