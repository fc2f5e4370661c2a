import { describe, expect, it } from 'vitest';
import { ConfigError, readSettings } from '../../src/config.js';
import {
  alertWebhookDepsFromEnv,
  inboxQueueClient,
  secureWebhookVerifierFromSettings,
  settingValue,
} from '../../src/app/alertRuntime.js';

const TENANT = '7c3e1f0a-94b2-4d6e-8a51-2f0b9c8d7e61';

describe('inboxQueueClient', () => {
  it('uses the AzureWebJobsStorage connection string (Azurite here)', () => {
    const q = inboxQueueClient({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, 'alert-inbox');
    expect(q.url).toBe('http://127.0.0.1:10001/devstoreaccount1/alert-inbox');
  });

  it('uses an identity-based connection: the queue service URI, else the account name', () => {
    const byUri = inboxQueueClient(
      {
        AzureWebJobsStorage__queueServiceUri: 'https://stenricher.queue.core.windows.net/',
        AzureWebJobsStorage__clientId: 'x',
      },
      'alert-inbox',
    );
    expect(byUri.url).toBe('https://stenricher.queue.core.windows.net/alert-inbox');
    const byName = inboxQueueClient({ AzureWebJobsStorage__accountName: 'stenricher' }, 'q1');
    expect(byName.url).toBe('https://stenricher.queue.core.windows.net/q1');
  });

  it('names the missing setting when there is no storage connection', () => {
    expect(() => inboxQueueClient({}, 'alert-inbox')).toThrow(ConfigError);
    expect(() => inboxQueueClient({}, 'alert-inbox')).toThrow(/AzureWebJobsStorage/);
  });
});

describe('secureWebhookVerifierFromSettings', () => {
  it('is off when neither setting is given', () => {
    expect(secureWebhookVerifierFromSettings(readSettings({}))).toBeUndefined();
  });

  it('is on with a tenant and audiences', () => {
    const settings = readSettings({
      ALERT_WEBHOOK_TENANT_ID: TENANT,
      ALERT_WEBHOOK_AUDIENCES: 'api://x, 0d7c4b52-6f1e-4a39-9b8d-3e2f1a0c5b74',
    });
    expect(typeof secureWebhookVerifierFromSettings(settings)).toBe('function');
  });

  it.each([
    [{ ALERT_WEBHOOK_TENANT_ID: TENANT }],
    [{ ALERT_WEBHOOK_AUDIENCES: 'api://x' }],
    [{ ALERT_WEBHOOK_TENANT_ID: TENANT, ALERT_WEBHOOK_AUDIENCES: ' , ' }],
  ])('refuses half a configuration: %j', (env) => {
    expect(() => secureWebhookVerifierFromSettings(readSettings(env))).toThrow(ConfigError);
  });

  it('refuses a tenant that is not a GUID', () => {
    expect(() => readSettings({ ALERT_WEBHOOK_TENANT_ID: 'contoso.onmicrosoft.com' })).toThrow(ConfigError);
  });
});

describe('alertWebhookDepsFromEnv', () => {
  it('builds the webhook from settings, once per environment', () => {
    const env = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', ALERT_DEDUP_TTL: '2d' };
    const deps = alertWebhookDepsFromEnv(env);
    expect(deps.claimTtlMs).toBe(2 * 86_400_000);
    expect(deps.verifyBearer).toBeUndefined();
    expect(alertWebhookDepsFromEnv(env)).toBe(deps);
  });

  it('throws a configuration error every time until the configuration is fixed', () => {
    const env: NodeJS.ProcessEnv = {
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      ALERT_DEDUP_TTL: 'soon',
    };
    expect(() => alertWebhookDepsFromEnv(env)).toThrow(ConfigError);
    expect(() => alertWebhookDepsFromEnv(env)).toThrow(ConfigError);
  });
});

describe('settingValue', () => {
  it('gives a setting or its declared default', () => {
    expect(settingValue({}, 'ALERT_INBOX_QUEUE')).toBe('alert-inbox');
    expect(settingValue({ ALERT_INBOX_QUEUE: ' alerts ' }, 'ALERT_INBOX_QUEUE')).toBe('alerts');
  });
});
