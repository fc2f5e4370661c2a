import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

/** Azurite's well-known development account (public, documented; not a secret). */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** Connection string with the endpoints of the services started. */
  connectionString: string;
  tablePort?: number;
  queuePort?: number;
  blobPort?: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Waits until the port accepts connections (or the process exits). */
async function waitForListening(child: ChildProcess, port: number, what: string): Promise<void> {
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite ${what} exited with ${child.exitCode}:\n${output}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Azurite ${what} did not start:\n${output}`);
}

/** Starts Azurite (from its npm package) in memory on free ports, for the given services. */
export async function startAzurite(services: ('table' | 'queue' | 'blob')[] = ['table']): Promise<Azurite> {
  const children: ChildProcess[] = [];
  const result: Azurite = { connectionString: '', stop: () => Promise.resolve() };
  const parts = [`DefaultEndpointsProtocol=http`, `AccountName=${ACCOUNT}`, `AccountKey=${KEY}`];
  for (const service of services) {
    const port = await freePort();
    const bin = join(process.cwd(), 'node_modules', '.bin', `azurite-${service}`);
    const child = spawn(
      bin,
      [
        `--${service}Host`,
        '127.0.0.1',
        `--${service}Port`,
        String(port),
        '--inMemoryPersistence',
        '--skipApiVersionCheck',
        '--loose',
        '--silent',
        '--disableTelemetry',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    await waitForListening(child, port, service);
    const endpoint = `http://127.0.0.1:${port}/${ACCOUNT}`;
    if (service === 'table') {
      result.tablePort = port;
      parts.push(`TableEndpoint=${endpoint}`);
    } else if (service === 'queue') {
      result.queuePort = port;
      parts.push(`QueueEndpoint=${endpoint}`);
    } else {
      result.blobPort = port;
      parts.push(`BlobEndpoint=${endpoint}`);
    }
  }
  result.connectionString = `${parts.join(';')};`;
  result.stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill();
          }),
      ),
    );
  };
  return result;
}
