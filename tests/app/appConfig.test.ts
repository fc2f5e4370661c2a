import { describe, expect, it } from 'vitest';
import { appConfigFromEnv } from '../../src/app/appConfig.js';
import { ConfigError } from '../../src/config.js';

const TENANT = '7c3e1f0a-94b2-4d6e-8a51-2f0b9c8d7e61';

describe('appConfigFromEnv', () => {
  it('parses durations, numbers and lists once, with the declared defaults', () => {
    const c = appConfigFromEnv({
      LOG_ANALYTICS_WORKSPACE_IDS: ' a , ,b ',
      POLL_OVERLAP: '90s',
      DELIVERY_MAX_ATTEMPTS: '3',
    });
    expect(c.workspaceIds).toEqual(['a', 'b']);
    expect(c.poll).toEqual({
      overlapMs: 90_000,
      initialLookbackMs: 3_600_000,
      maxConcurrency: 4,
      fanOut: 'inline',
    });
    expect(c.delivery).toEqual({ maxAttempts: 3, maxAgeMs: 86_400_000, timeoutMs: 10_000 });
    expect(c.digest).toEqual({ schedule: '0 0 7 * * *', windowMs: 86_400_000 });
    expect(c.alert.secureWebhook).toBeUndefined();
  });

  it('turns the Secure Webhook check on with a tenant and audiences', () => {
    const c = appConfigFromEnv({
      ALERT_WEBHOOK_TENANT_ID: TENANT,
      ALERT_WEBHOOK_AUDIENCES: 'api://x, 0d7c4b52-6f1e-4a39-9b8d-3e2f1a0c5b74',
    });
    expect(c.alert.secureWebhook).toEqual({
      tenantId: TENANT,
      audiences: ['api://x', '0d7c4b52-6f1e-4a39-9b8d-3e2f1a0c5b74'],
      authority: 'https://login.microsoftonline.com',
      // Azure Monitor's action group application, unless ALERT_WEBHOOK_CALLER_APP_IDS says otherwise.
      callerAppIds: ['461e8683-5575-4561-ac7f-899cc907d62a'],
    });
  });

  it.each([
    [{ ALERT_WEBHOOK_TENANT_ID: TENANT }],
    [{ ALERT_WEBHOOK_AUDIENCES: 'api://x' }],
    [{ ALERT_WEBHOOK_TENANT_ID: TENANT, ALERT_WEBHOOK_AUDIENCES: ' , ' }],
  ])('refuses half a Secure Webhook configuration: %j', (env) => {
    expect(() => appConfigFromEnv(env)).toThrow(ConfigError);
  });

  it('names every bad setting at once, never a secret value', () => {
    let message = '';
    try {
      appConfigFromEnv({ POLL_OVERLAP: 'soon', DELIVERY_MAX_ATTEMPTS: '0', WEBHOOK_SECRET: 'x' });
    } catch (e) {
      message = String(e);
    }
    expect(message).toMatch(/POLL_OVERLAP='soon'/);
    expect(message).toMatch(/DELIVERY_MAX_ATTEMPTS='0'/);
  });
});
