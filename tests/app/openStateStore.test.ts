import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../src/config.js';
import { openStateStore, StateStoreConfigError } from '../../src/app/openStateStore.js';
import type { Azurite } from '../support/azurite.js';
import { startAzurite } from '../support/azurite.js';

let azurite: Azurite;
let dir: string;

beforeAll(async () => {
  azurite = await startAzurite(['table']);
  dir = mkdtempSync(join(tmpdir(), 'open-state-'));
}, 60_000);

afterAll(async () => {
  await azurite.stop();
  rmSync(dir, { recursive: true, force: true });
});

const open = (env: NodeJS.ProcessEnv) => openStateStore(readSettings(env), env);

describe('openStateStore', () => {
  it('opens the file store in STATE_DIR by default', async () => {
    const store = open({ STATE_DIR: dir });
    await store.put('s', 'k', 1);
    expect(readdirSync(dir).length).toBeGreaterThan(0);
    expect((await open({ STATE_STORE: 'file', STATE_DIR: dir }).get('s', 'k'))?.value).toBe(1);
  });

  it('opens Table Storage by connection string and creates the table on first use', async () => {
    const env = {
      STATE_STORE: 'table',
      STATE_TABLE_CONNECTION_STRING: azurite.connectionString,
      STATE_TABLE_NAME: 'openstatetest',
    };
    await open(env).put('s', 'k', { a: 1 });
    expect((await open(env).get('s', 'k'))?.value).toEqual({ a: 1 });
  });

  it('names the missing settings for table storage without an endpoint', () => {
    expect(() => open({ STATE_STORE: 'table' })).toThrow(StateStoreConfigError);
    expect(() => open({ STATE_STORE: 'table' })).toThrow(
      /STATE_TABLE_CONNECTION_STRING, STATE_TABLE_ENDPOINT/,
    );
  });

  it('never echoes a bad connection string', () => {
    const secret = 'AccountKey=supersecretvalue;nonsense';
    let message = '';
    try {
      open({ STATE_STORE: 'table', STATE_TABLE_CONNECTION_STRING: secret });
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/STATE_TABLE_CONNECTION_STRING is not a valid/);
    expect(message).not.toContain('supersecretvalue');
  });

  it('uses the Functions host table endpoint with an identity, and refuses plain HTTP for it', () => {
    const store = open({
      STATE_STORE: 'table',
      AzureWebJobsStorage__tableServiceUri: 'https://account.table.core.windows.net',
      AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
    });
    expect(typeof store.get).toBe('function');
    expect(() => open({ STATE_STORE: 'table', STATE_TABLE_ENDPOINT: 'http://127.0.0.1:1/acct' })).toThrow(
      /must be https/,
    );
  });

  it('rejects a table name Table Storage would refuse', () => {
    expect(() =>
      open({
        STATE_STORE: 'table',
        STATE_TABLE_CONNECTION_STRING: azurite.connectionString,
        STATE_TABLE_NAME: 'a-b',
      }),
    ).toThrow(/STATE_TABLE_NAME/);
  });
});
