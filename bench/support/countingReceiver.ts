import { createServer } from 'node:http';
import type { Server } from 'node:http';

/**
 * A webhook receiver on loopback that counts what arrives: each of our notifications (one POST
 * each), or each alert of an Alertmanager webhook POST (`alerts[]`); and tells when a count is reached.
 */
export interface CountingReceiver {
  url: string;
  count: number;
  /** Notification ids seen (ours), for lost and repeated counts. */
  ids: Map<string, number>;
  /** Resolves when `n` have arrived since the last reset, with the time of the last one. */
  waitFor(n: number, timeoutMs: number): Promise<number>;
  reset(): void;
  /** Answer this share of requests with 500 (0 to 1), chosen by a seeded generator. */
  faultRate: number;
  /** Told of every accepted body. */
  onBody: ((body: string) => void) | undefined;
  close(): Promise<void>;
}

export async function startCountingReceiver(random: () => number = Math.random): Promise<CountingReceiver> {
  let waiter: { n: number; resolve: (at: number) => void } | undefined;
  const state = {
    count: 0,
    ids: new Map<string, number>(),
    faultRate: 0,
    onBody: undefined as ((body: string) => void) | undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.faultRate > 0 && random() < state.faultRate) {
        res.writeHead(500);
        res.end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      state.onBody?.(body);
      let n = 1;
      try {
        const parsed = JSON.parse(body) as { alerts?: unknown[]; id?: string };
        if (Array.isArray(parsed.alerts)) n = parsed.alerts.length;
        else if (typeof parsed.id === 'string') state.ids.set(parsed.id, (state.ids.get(parsed.id) ?? 0) + 1);
      } catch {
        // counted as one
      }
      state.count += n;
      res.writeHead(200);
      res.end('ok');
      if (waiter && state.count >= waiter.n) {
        const w = waiter;
        waiter = undefined;
        w.resolve(performance.now());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get count() {
      return state.count;
    },
    get ids() {
      return state.ids;
    },
    get faultRate() {
      return state.faultRate;
    },
    set faultRate(v: number) {
      state.faultRate = v;
    },
    get onBody() {
      return state.onBody;
    },
    set onBody(f: ((body: string) => void) | undefined) {
      state.onBody = f;
    },
    waitFor(n, timeoutMs) {
      if (state.count >= n) return Promise.resolve(performance.now());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${state.count} of ${n} arrived in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiter = {
          n,
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        };
      });
    },
    reset() {
      state.count = 0;
      state.ids = new Map();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
