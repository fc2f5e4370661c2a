/**
 * Realistic failure messages for the matcher bench, generated deterministically: the real AKS
 * failure messages of the matcher's corpus (az CLI, Terraform, ARM statusMessage JSON, bootstrap
 * exit statuses, auto-repair and autoscaler events) with their identifiers varied, mixed with the
 * Kubernetes warning events the same queries return that are no catalog error.
 */
import { readFileSync } from 'node:fs';
import { seeded } from '../../tests/support/seeded.js';

const CORPUS = new URL('../../tests/fixtures/catalog/corpus.jsonl', import.meta.url);

/** Warning events that sit next to AKS failures in KubeEvents and must match nothing. */
const NOISE = [
  'Back-off restarting failed container {name} in pod {name}-{hex}_{ns}({guid})',
  'Failed to pull image "{acr}.azurecr.io/{name}:{n}": rpc error: code = NotFound desc = failed to pull and unpack image: not found',
  'Error: ImagePullBackOff',
  'Readiness probe failed: Get "http://10.{n}.{n}.{n}:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
  'Liveness probe failed: HTTP probe failed with statuscode: 503',
  '0/{n} nodes are available: {n} Insufficient memory, {n} node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/{n} nodes are available: {n} No preemption victims found for incoming pod.',
  'MountVolume.SetUp failed for volume "{name}" : secret "{name}-tls" not found',
  'Memory cgroup out of memory: Killed process {n} ({name}) total-vm:{n}kB, anon-rss:{n}kB, file-rss:0kB',
  'Node {node} status is now: NodeNotReady',
  'Stopping container {name}',
  'Container {name} failed liveness probe, will be restarted',
  'Error creating: pods "{name}-{hex}" is forbidden: exceeded quota: compute-resources, requested: limits.cpu=2, used: limits.cpu=8, limited: limits.cpu=8',
  'Scaled down replica set {name}-{hex} to {n} from {n}',
  'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{hex}{hex}": plugin type="azure-vnet" failed (add): IPAM Invoker Add failed with error: Failed to get IP address from CNS with error: %w: AllocateIPConfig failed: no IPs available',
  'Unable to attach or mount volumes: unmounted volumes=[{name}], unattached volumes=[{name} kube-api-access-{hex}]: timed out waiting for the condition',
];

export function failureMessages(count: number, seed = 20261122): string[] {
  const next = seeded(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  const guid = () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
  const digits = (n: number) => String(Math.floor(next() * 10 ** n)).padStart(n, '0');
  const names = ['web', 'api', 'checkout', 'payments', 'ingest', 'search', 'worker', 'cart'];
  const node = () => `aks-${pick(['nodepool1', 'userpool', 'system', 'gpu'])}-${digits(8)}-vmss${digits(6)}`;

  const real = readFileSync(CORPUS, 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { message: string }).message);

  const messages: string[] = [];
  for (let i = 0; i < count; i++) {
    if (next() < 0.6) {
      messages.push(
        pick(real)
          .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, guid)
          .replace(/aks-[a-z0-9]+-\d{8}-vmss[0-9a-z]{6}/g, node),
      );
    } else {
      messages.push(
        pick(NOISE).replace(/\{(\w+)\}/g, (_, kind: string) => {
          switch (kind) {
            case 'name':
              return pick(names);
            case 'hex':
              return hex(5);
            case 'guid':
              return guid();
            case 'node':
              return node();
            case 'ns':
              return pick(['default', 'prod', 'kube-system']);
            case 'acr':
              return `acr${hex(6)}`;
            default:
              return String(1 + Math.floor(next() * 250));
          }
        }),
      );
    }
  }
  return messages;
}
