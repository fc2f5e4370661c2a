/**
 * A local HTTPS Azure Resource Manager for the app's reads: GET managedClusters/{name} and
 * managedClusters/{name}/agentPools/{pool}, Microsoft.Insights/scheduledQueryRules/{name} and
 * Microsoft.OperationalInsights/workspaces/{name}, answered in ARM's wire format (resource envelope
 * with `properties`, OneAPI error bodies, api-version required and checked for the rule and workspace
 * types). The real clients are pointed at it with the test certificate. Scripted failures (403, 404,
 * 429, 5xx) are answered before the stored resources.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ContainerServiceClientOptionalParams } from '@azure/arm-containerservice';
import type { AzureAccess } from '../../src/app/azureAccess.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const TEST_CA = readFileSync(join(FIXTURES, 'tls', 'cert.pem'), 'utf8');
const TEST_KEY = readFileSync(join(FIXTURES, 'tls', 'key.pem'), 'utf8');

export interface FakeArmRequest {
  method: string;
  /** Path without the query string, as sent. */
  path: string;
  apiVersion: string | null;
  authorization: string | undefined;
  status: number;
  /** When the request arrived (ms since the epoch). */
  at: number;
}

export interface FakeArmFailure {
  status: number;
  code: string;
  message?: string;
  headers?: Record<string, string>;
}

/** Any bearer token will do; the real client still runs its authentication policy. */
export const fixedTokenCredential = {
  getToken: () => Promise.resolve({ token: 'arm-test-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

const CLUSTER_PATH =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)(?:\/agentpools\/([^/]+))?$/i;

/** Other resource types the fake serves, with the api-versions Resource Manager registers for them. */
const OTHER_TYPES = [
  {
    path: /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.insights\/scheduledqueryrules\/([^/]+)$/i,
    type: 'Microsoft.Insights/scheduledQueryRules',
    apiVersions: [
      '2018-04-16',
      '2021-08-01',
      '2022-06-15',
      '2023-03-15-preview',
      '2023-12-01',
      '2024-01-01-preview',
    ],
  },
  {
    path: /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.operationalinsights\/workspaces\/([^/]+)$/i,
    type: 'Microsoft.OperationalInsights/workspaces',
    apiVersions: ['2020-08-01', '2021-06-01', '2022-10-01', '2023-09-01', '2025-02-01'],
  },
];

export class FakeArm {
  readonly requests: FakeArmRequest[] = [];
  readonly ca = TEST_CA;
  private readonly resources = new Map<string, { id: string; name: string; type: string; body: unknown }>();
  private readonly failures = new Map<string, FakeArmFailure[]>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<FakeArm> {
    const holder: { fake?: FakeArm } = {};
    const server = createServer({ cert: TEST_CA, key: TEST_KEY }, (req, res) => {
      if (!holder.fake) return void res.writeHead(503).end();
      holder.fake.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.fake = new FakeArm(server, `https://127.0.0.1:${String(port)}`);
    return holder.fake;
  }

  /** Client options that make the real client trust this server and fail fast in tests. */
  clientOptions(maxRetries = 0): ContainerServiceClientOptionalParams {
    return {
      tlsOptions: { ca: TEST_CA },
      retryOptions: { maxRetries, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
    };
  }

  /** What the app's `…DepsFromEnv` factories take in place of its identity, pointed at this server. */
  azureAccess(maxRetries = 0): AzureAccess {
    return { credential: fixedTokenCredential, armClientOptions: this.clientOptions(maxRetries) };
  }

  /** Stores a managed cluster: `properties` as ARM returns them, plus location and tags. */
  setCluster(
    resourceId: string,
    resource: { location?: string; tags?: Record<string, string>; properties: unknown },
  ): void {
    const name = resourceId.slice(resourceId.lastIndexOf('/') + 1);
    this.resources.set(resourceId.toLowerCase(), {
      id: resourceId,
      name,
      type: 'Microsoft.ContainerService/managedClusters',
      body: resource,
    });
  }

  setPool(clusterId: string, pool: string, properties: unknown): void {
    const id = `${clusterId}/agentPools/${pool}`;
    this.resources.set(id.toLowerCase(), {
      id,
      name: pool,
      type: 'Microsoft.ContainerService/managedClusters/agentPools',
      body: { properties },
    });
  }

  /**
   * Stores a log search rule as Resource Manager returns it (`kind` LogAlert unless given), with the
   * `properties` given: scopes, windowSize, criteria.allOf[{query, dimensions, resourceIdColumn}] …
   */
  setRule(ruleId: string, properties: unknown, kind = 'LogAlert'): void {
    const name = ruleId.slice(ruleId.lastIndexOf('/') + 1);
    this.resources.set(ruleId.toLowerCase(), {
      // ARM spells rule ids and types in lower case in its answers.
      id: ruleId
        .replace(/\/resourceGroups\//i, '/resourcegroups/')
        .replace(/Microsoft\.Insights\/scheduledQueryRules/i, 'microsoft.insights/scheduledqueryrules'),
      name,
      type: 'microsoft.insights/scheduledqueryrules',
      body: { location: 'westeurope', tags: {}, kind, properties },
    });
  }

  /** Stores a Log Analytics workspace with its customer id (the id the query API takes). */
  setWorkspace(workspaceId: string, customerId: string): void {
    const name = workspaceId.slice(workspaceId.lastIndexOf('/') + 1);
    this.resources.set(workspaceId.toLowerCase(), {
      id: workspaceId,
      name,
      type: 'Microsoft.OperationalInsights/workspaces',
      body: {
        location: 'westeurope',
        properties: {
          customerId,
          provisioningState: 'Succeeded',
          sku: { name: 'PerGB2018' },
          retentionInDays: 30,
        },
      },
    });
  }

  /** Answers the next requests for a resource id (cluster or pool) with these failures, in order. */
  fail(resourceId: string, ...failures: FakeArmFailure[]): void {
    const key = resourceId.toLowerCase();
    this.failures.set(key, [...(this.failures.get(key) ?? []), ...failures]);
  }

  requestsFor(resourceId: string): FakeArmRequest[] {
    return this.requests.filter((r) => r.path.toLowerCase() === resourceId.toLowerCase());
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => {
        resolve();
      });
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.endpoint);
    const path = decodeURIComponent(url.pathname);
    const log: FakeArmRequest = {
      method: req.method ?? '',
      path,
      apiVersion: url.searchParams.get('api-version'),
      authorization: req.headers.authorization,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(log);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      log.status = status;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-ms-request-id': `req-${String(this.requests.length)}`,
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string, headers?: Record<string, string>): void => {
      send(status, { error: { code, message } }, headers);
    };

    if (req.method !== 'GET') return error(405, 'MethodNotAllowed', 'The fake answers GET only.');
    if (!log.apiVersion)
      return error(400, 'MissingApiVersionParameter', 'The api-version query parameter is required.');
    if (!req.headers.authorization?.startsWith('Bearer '))
      return error(
        401,
        'AuthenticationFailed',
        'Authentication failed. The Authorization header is missing.',
      );
    const key = path.toLowerCase();
    const other = OTHER_TYPES.find((t) => t.path.test(path));
    if (other && !other.apiVersions.includes(log.apiVersion))
      return error(
        400,
        'NoRegisteredProviderFound',
        `No registered resource provider found for location 'westeurope' and API version '${log.apiVersion}' for type '${other.type.split('/')[1] ?? ''}'.`,
      );
    const m = CLUSTER_PATH.exec(path);
    if (!m && !other)
      return error(404, 'InvalidResourceType', `The resource type could not be found for ${path}.`);
    const scripted = this.failures.get(key)?.shift();
    if (scripted)
      return error(
        scripted.status,
        scripted.code,
        scripted.message ?? `${scripted.code} (scripted)`,
        scripted.headers,
      );
    const stored = this.resources.get(key);
    if (!stored && other) {
      const parts = other.path.exec(path);
      return error(
        404,
        'ResourceNotFound',
        `The Resource '${other.type}/${parts?.[3] ?? ''}' under resource group '${parts?.[2] ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
    }
    if (!stored) {
      if (!m) return error(404, 'ResourceNotFound', `The resource ${path} was not found.`);
      const kind = m[4] ? 'agentPools' : 'managedClusters';
      return error(
        404,
        m[4] ? 'NotFound' : 'ResourceNotFound',
        `The Resource 'Microsoft.ContainerService/${kind}/${m[4] ?? m[3] ?? ''}' under resource group '${m[2] ?? ''}' was not found.`,
      );
    }
    send(200, { id: stored.id, name: stored.name, type: stored.type, ...(stored.body as object) });
  }
}
