import { describe, expect, it } from 'vitest';
import { queueClient } from '../../src/app/azureAccess.js';
import { ConfigError } from '../../src/config.js';

const credentials: (string | undefined)[] = [];
const identity = (clientId: string | undefined) => {
  credentials.push(clientId);
  return Promise.resolve({ getToken: () => Promise.resolve(null) });
};

describe('queueClient', () => {
  it('uses the AzureWebJobsStorage connection string (Azurite here), with no identity', async () => {
    credentials.length = 0;
    const q = await queueClient(
      { AzureWebJobsStorage: 'UseDevelopmentStorage=true' },
      'alert-inbox',
      identity,
    );
    expect(q.url).toBe('http://127.0.0.1:10001/devstoreaccount1/alert-inbox');
    expect(credentials).toEqual([]);
  });

  it('uses an identity-based connection: the queue service URI, else the account name', async () => {
    credentials.length = 0;
    const byUri = await queueClient(
      {
        AzureWebJobsStorage__queueServiceUri: 'https://stenricher.queue.core.windows.net/',
        AzureWebJobsStorage__clientId: 'x',
      },
      'alert-inbox',
      identity,
    );
    expect(byUri.url).toBe('https://stenricher.queue.core.windows.net/alert-inbox');
    const byName = await queueClient({ AzureWebJobsStorage__accountName: 'stenricher' }, 'q1', identity);
    expect(byName.url).toBe('https://stenricher.queue.core.windows.net/q1');
    // The connection's own identity when it names one, else the app's.
    expect(credentials).toEqual(['x', undefined]);
  });

  it('names the missing setting when there is no storage connection', async () => {
    await expect(queueClient({}, 'alert-inbox', identity)).rejects.toThrow(ConfigError);
    await expect(queueClient({}, 'alert-inbox', identity)).rejects.toThrow(/AzureWebJobsStorage/);
  });
});
