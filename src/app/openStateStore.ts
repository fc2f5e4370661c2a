import type { TokenCredential } from '@azure/identity';
import type { SettingName } from '../config.js';
import { createFileStore } from '../state/fileStore.js';
import type { KeyValueStore } from '../state/keyValueStore.js';

export type StateSettings = Readonly<Partial<Record<SettingName, string | undefined>>>;

/** The state store is configured in a way that cannot work; the message names the settings, never their values. */
export class StateStoreConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateStoreConfigError';
  }
}

/**
 * The state store the settings select: STATE_STORE=file (default) is a folder (STATE_DIR);
 * STATE_STORE=table is Table Storage by STATE_TABLE_CONNECTION_STRING, or by endpoint
 * (STATE_TABLE_ENDPOINT, else the Functions host's AzureWebJobsStorage__tableServiceUri) with
 * the app's identity. The Table Storage SDK is loaded only when the table store is chosen.
 */
export async function openStateStore(
  settings: StateSettings,
  env: NodeJS.ProcessEnv,
  identity: () => Promise<TokenCredential>,
): Promise<KeyValueStore> {
  const kind = settings.STATE_STORE ?? 'file';
  if (kind === 'file') return createFileStore(settings.STATE_DIR ?? '.state');
  if (kind !== 'table') throw new StateStoreConfigError(`STATE_STORE must be 'file' or 'table'`);
  const table = settings.STATE_TABLE_NAME ?? 'aksalertenricher';
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(table))
    throw new StateStoreConfigError(
      'STATE_TABLE_NAME must be 3-63 letters and digits, starting with a letter (a Table Storage rule)',
    );
  const [{ TableClient }, { createTableStore }] = await Promise.all([
    import('@azure/data-tables'),
    import('../state/tableStore.js'),
  ]);
  const connectionString = settings.STATE_TABLE_CONNECTION_STRING?.trim();
  if (connectionString) {
    // The connection string is a secret: its parse errors are replaced by a message that names only the
    // setting. Plain HTTP is allowed only when the connection string itself says so (Azurite).
    let client: InstanceType<typeof TableClient>;
    try {
      client = TableClient.fromConnectionString(connectionString, table, {
        allowInsecureConnection: /TableEndpoint=http:|DefaultEndpointsProtocol=http;/i.test(connectionString),
      });
    } catch {
      throw new StateStoreConfigError(
        'STATE_TABLE_CONNECTION_STRING is not a valid storage connection string',
      );
    }
    return createTableStore(client);
  }
  const endpoint = settings.STATE_TABLE_ENDPOINT?.trim() || env.AzureWebJobsStorage__tableServiceUri?.trim();
  if (!endpoint)
    throw new StateStoreConfigError(
      'STATE_STORE=table needs STATE_TABLE_CONNECTION_STRING, STATE_TABLE_ENDPOINT or AzureWebJobsStorage__tableServiceUri',
    );
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new StateStoreConfigError(
      'STATE_TABLE_ENDPOINT (or AzureWebJobsStorage__tableServiceUri) is not a URL',
    );
  }
  if (url.protocol !== 'https:')
    throw new StateStoreConfigError(
      'STATE_TABLE_ENDPOINT must be https: a managed identity token is never sent over plain HTTP',
    );
  return createTableStore(new TableClient(endpoint, table, await identity()));
}
