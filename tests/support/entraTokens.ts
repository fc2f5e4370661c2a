import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { FetchImplementation, JWK, JWTPayload } from 'jose';

const TLS = join(import.meta.dirname, '..', 'fixtures', 'tls');
export const TEST_CA = readFileSync(join(TLS, 'cert.pem'));

/**
 * fetch() over node:https trusting the test certificate (Node's global fetch takes no CA option).
 * Enough of fetch for a JSON GET: status, headers, body, abort signal.
 */
export const httpsFetchTrustingTestCa: FetchImplementation = (url, options) =>
  new Promise<Response>((resolve, reject) => {
    const headers: Record<string, string> = {};
    options.headers.forEach((v, k) => (headers[k] = v));
    const req = request(
      url,
      { method: options.method, headers, ca: TEST_CA, signal: options.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: h }));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });

export interface LocalTenant {
  tenantId: string;
  jwksUrl: URL;
  /** How many times the key set was fetched. */
  fetches(): number;
  /** A token signed by the tenant's current key; claims override the defaults. */
  token(
    claims?: JWTPayload,
    options?: { kid?: string; expiresIn?: string | number; key?: 'tenant' | 'stranger' },
  ): Promise<string>;
  /** Makes the key-set endpoint fail (HTTP 500) or work again. */
  setFailing(failing: boolean): void;
  close(): Promise<void>;
}

/**
 * A Microsoft Entra ID tenant for tests: an RSA key pair generated at start, its public key served
 * as a JWKS over HTTPS (the test certificate) on 127.0.0.1, and tokens signed like the ones an
 * action group's Secure Webhook sends (v2 issuer, app role ActionGroupsSecureWebhook).
 */
export async function startLocalTenant(defaults: JWTPayload): Promise<LocalTenant> {
  const tenantId = '7c3e1f0a-94b2-4d6e-8a51-2f0b9c8d7e61';
  const kid = 'test-key-1';
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  let fetches = 0;
  let failing = false;
  const server = createServer(
    { cert: readFileSync(join(TLS, 'cert.pem')), key: readFileSync(join(TLS, 'key.pem')) },
    (req, res) => {
      fetches++;
      if (failing || req.url !== `/${tenantId}/discovery/v2.0/keys`) {
        res.writeHead(failing ? 500 : 404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    tenantId,
    jwksUrl: new URL(`https://127.0.0.1:${port}/${tenantId}/discovery/v2.0/keys`),
    fetches: () => fetches,
    setFailing: (f) => (failing = f),
    async token(claims = {}, options = {}) {
      const key = options.key === 'stranger' ? stranger.privateKey : privateKey;
      return new SignJWT({ ...defaults, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? kid, typ: 'JWT' })
        .setIssuedAt()
        .setNotBefore('-1m')
        .setExpirationTime(options.expiresIn ?? '1h')
        .sign(key);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
