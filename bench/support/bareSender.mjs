// The floor for any Node process that makes the same sends: N POSTs of a given size to one
// webhook over node:http, 32 at a time on kept-alive connections, with no pipeline and no state.
// Usage: node bareSender.mjs <url> <n> <bodyBytes>
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { URL } from 'node:url';

const [url, n, size] = [new URL(process.argv[2]), Number(process.argv[3]), Number(process.argv[4])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const pad = 'x'.repeat(Math.max(0, size - 40));
let next = 0;

const send = (i) =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify({ id: `bare-${i}`, pad });
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
    req.end(body);
  });

const worker = async () => {
  while (next < n) await send(next++);
};

Promise.all(Array.from({ length: 32 }, worker)).then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
