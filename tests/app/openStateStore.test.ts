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

// No identity is ever fetched here: the one endpoint test only builds the client.
const noIdentity = () => Promise.resolve({ getToken: () => Promise.resolve(null) });
const open = (env: NodeJS.ProcessEnv) => openStateStore(readSettings(env), env, noIdentity);

describe('openStateStore', () => {
  it('opens the file store in STATE_DIR by default', async () => {
    const store = await open({ STATE_DIR: dir });
    await store.put('s', 'k', 1);
    expect(readdirSync(dir).length).toBeGreaterThan(0);
    expect((await (await open({ STATE_STORE: 'file', STATE_DIR: dir })).get('s', 'k'))?.value).toBe(1);
  });

  it('opens Table Storage by connection string and creates the table on first use', async () => {
    const env = {
      STATE_STORE: 'table',
      STATE_TABLE_CONNECTION_STRING: azurite.connectionString,
      STATE_TABLE_NAME: 'openstatetest',
    };
    await (await open(env)).put('s', 'k', { a: 1 });
    expect((await (await open(env)).get('s', 'k'))?.value).toEqual({ a: 1 });
  });

  it('names the missing settings for table storage without an endpoint', async () => {
    await expect(open({ STATE_STORE: 'table' })).rejects.toThrow(StateStoreConfigError);
    await expect(open({ STATE_STORE: 'table' })).rejects.toThrow(
      /STATE_TABLE_CONNECTION_STRING, STATE_TABLE_ENDPOINT/,
    );
  });

  it('never echoes a bad connection string', async () => {
    const secret = 'AccountKey=supersecretvalue;nonsense';
    let message = '';
    try {
      await open({ STATE_STORE: 'table', STATE_TABLE_CONNECTION_STRING: secret });
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/STATE_TABLE_CONNECTION_STRING is not a valid/);
    expect(message).not.toContain('supersecretvalue');
  });

  it('uses the Functions host table endpoint with the app identity, and refuses plain HTTP for it', async () => {
    let asked = 0;
    const identity = () => {
      asked++;
      return noIdentity();
    };
    const env = {
      STATE_STORE: 'table',
      AzureWebJobsStorage__tableServiceUri: 'https://account.table.core.windows.net',
    };
    await openStateStore(readSettings(env), env, identity);
    expect(asked).toBe(1);
    await expect(
      open({ STATE_STORE: 'table', STATE_TABLE_ENDPOINT: 'http://127.0.0.1:1/acct' }),
    ).rejects.toThrow(/must be https/);
  });

  it('rejects a table name Table Storage would refuse', async () => {
    await expect(
      open({
        STATE_STORE: 'table',
        STATE_TABLE_CONNECTION_STRING: azurite.connectionString,
        STATE_TABLE_NAME: 'a-b',
      }),
    ).rejects.toThrow(/STATE_TABLE_NAME/);
  });
});
