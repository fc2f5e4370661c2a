import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aksEventsDepsFromEnv } from '../../src/app/eventGridRuntime.js';

const dir = mkdtempSync(join(tmpdir(), 'aks-events-runtime-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('aksEventsDepsFromEnv', () => {
  it('builds the processor, rolling records and the activity fill-in from app settings, once per process', () => {
    const env = {
      STATE_DIR: dir,
      WEBHOOK_URL: 'https://hooks.example.net/aks',
      LOG_ANALYTICS_WORKSPACE_IDS: '5b0c7e2d-9a41-4f3e-8d6b-2c1a0f9e8d7c',
    };
    const deps = aksEventsDepsFromEnv(env);
    expect(typeof deps.processor.process).toBe('function');
    expect(deps.rolling).toBeDefined();
    expect(deps.fillIn).toBeDefined();
    expect(aksEventsDepsFromEnv(env)).toBe(deps);
  });

  it('leaves the fill-in out when no workspace is configured', () => {
    const deps = aksEventsDepsFromEnv({ STATE_DIR: dir, WEBHOOK_URL: 'https://hooks.example.net/aks' });
    expect(deps.fillIn).toBeUndefined();
  });

  it('throws a configuration problem every time rather than caching it', () => {
    const env = { STATE_STORE: 'table', WEBHOOK_URL: 'https://hooks.example.net/aks' };
    expect(() => aksEventsDepsFromEnv(env)).toThrow(/STATE_STORE=table needs/);
    expect(() => aksEventsDepsFromEnv(env)).toThrow(/STATE_STORE=table needs/);
  });
});
