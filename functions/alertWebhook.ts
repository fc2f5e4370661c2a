import { app } from '@azure/functions';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { theApp } from '../src/app/lazyApp.js';
import { settingValue } from '../src/config.js';
import type { AlertWebhookDeps } from '../src/sources/commonAlert/receiveAlertWebhook.js';

/** Azure Monitor action groups post common-schema alerts here; they are stored and answered with 202. */
export function alertWebhookHandler(deps: () => AlertWebhookDeps | Promise<AlertWebhookDeps>) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    let resolved: AlertWebhookDeps;
    try {
      resolved = await deps();
    } catch (err) {
      // Misconfiguration is ours to fix; 503 keeps the action group retrying instead of dropping the alert.
      context.error(`alert webhook: not configured: ${err instanceof Error ? err.message : 'unknown error'}`);
      return {
        status: 503,
        headers: { 'Retry-After': '60' },
        jsonBody: { error: 'unavailable', message: 'Not configured.' },
      };
    }
    const { receiveAlertWebhook } = await import('../src/sources/commonAlert/receiveAlertWebhook.js');
    const r = await receiveAlertWebhook({ headers: request.headers, body: request.body }, resolved, context);
    return { status: r.status, headers: r.headers, jsonBody: r.jsonBody };
  };
}

app.http('alertWebhook', {
  methods: ['POST'],
  // With Secure Webhook configured the Entra ID token is the authentication and no key is sent (a key in
  // the action group's URL is one more secret to leak); without it, a function key is required.
  authLevel: settingValue(process.env, 'ALERT_WEBHOOK_TENANT_ID') ? 'anonymous' : 'function',
  handler: alertWebhookHandler(async () => (await theApp()).alertWebhookDeps()),
});
