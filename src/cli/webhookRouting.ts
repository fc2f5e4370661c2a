import type { RoutingConfig } from '../route/index.js';

/**
 * The routing of a command's --webhook: one signed generic receiver named 'webhook' that takes every
 * notification and the digest. An error message instead when the URL is not one to send to.
 */
export function webhookRouting(url: string, secret: string | undefined): RoutingConfig | string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '--webhook is not a URL';
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback))
    return '--webhook must be https (http is accepted only on localhost)';
  if (u.username || u.password) return '--webhook must not carry user info';
  const receiver = { name: 'webhook', type: 'generic' as const, url, ...(secret ? { secret } : {}) };
  return {
    source: '--webhook',
    receivers: [receiver],
    receiverInfo: [{ name: 'webhook', type: 'generic', settings: {}, unset: [] }],
    routes: [],
    defaultReceivers: ['webhook'],
    digest: { receivers: ['webhook'] },
    notify: { grouping: undefined, silences: undefined },
  };
}
