import { describe, expect, it } from 'vitest';
import { commaList, ConfigError, parseDurationMs, readSettings, settingValue } from '../src/config.js';

describe('readSettings', () => {
  it('applies defaults', () => {
    const s = readSettings({});
    expect(s.FAILURE_POLL_SCHEDULE).toBe('0 */5 * * * *');
    expect(s.LOG_ANALYTICS_WORKSPACE_IDS).toBeUndefined();
  });

  it('names every bad setting and never echoes a secret', () => {
    try {
      readSettings({
        POLL_MAX_CONCURRENCY: 'many',
        STATE_STORE: 'redis',
        POLL_OVERLAP: 'soon',
        DIGEST_SCHEDULE: '0 7 * * *',
      });
      expect.fail('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toHaveLength(4);
      expect(problems.join('\n')).toMatch(/DIGEST_SCHEDULE='0 7 \* \* \*' .*six fields/);
      expect(problems.join('\n')).toMatch(/POLL_MAX_CONCURRENCY='many'/);
      expect(problems.join('\n')).toMatch(/STATE_STORE='redis'/);
    }
  });
});

describe('security settings', () => {
  it.each([
    ['ALERT_RULE_SCOPES', '/subscriptions/s/resourceGroups/rg/../other'],
    ['ALERT_RULE_SCOPES', '/subscriptions/s/resourceGroups/rg%2F..%2Fother'],
    ['ALERT_QUERY_SCOPES', '/subscriptions/s/./x'],
    ['ALERT_WEBHOOK_CALLER_APP_IDS', 'azure-monitor'],
    ['LINK_HOST_ALLOW_LIST', 'https://portal.azure.com'],
    ['LINK_HOST_ALLOW_LIST', '*'],
    ['ALERT_QUERY_BUDGET', 'forever'],
    ['ALERT_QUERY_MAX_BYTES', '0'],
  ])('refuses %s=%j', (name, value) => {
    expect(() => readSettings({ [name]: value })).toThrow(ConfigError);
  });

  it('accepts an unresolved Key Vault reference for the digest link, which the app then leaves out', () => {
    expect(
      readSettings({ DIGEST_REPORT_URL: '@Microsoft.KeyVault(SecretUri=https://kv/secrets/x/)' })
        .DIGEST_REPORT_URL,
    ).toMatch(/^@Microsoft/);
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['1d', 86_400_000],
    ['30', 30_000],
  ])('%s -> %d', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it('rejects nonsense', () => expect(parseDurationMs('5 minutes')).toBeUndefined());
});

describe('settingValue', () => {
  it('gives a setting or its declared default', () => {
    expect(settingValue({}, 'ALERT_INBOX_QUEUE')).toBe('alert-inbox');
    expect(settingValue({ ALERT_INBOX_QUEUE: ' alerts ' }, 'ALERT_INBOX_QUEUE')).toBe('alerts');
    expect(settingValue({}, 'ROUTING_CONFIG_PATH')).toBeUndefined();
  });
});

describe('commaList', () => {
  it('splits, trims and drops empty entries', () => {
    expect(commaList(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
    expect(commaList(undefined)).toEqual([]);
  });
});
