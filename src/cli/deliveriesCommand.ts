import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createFileStore } from '../state/fileStore.js';
import type { KeyValueStore } from '../state/keyValueStore.js';
import type { OutboxItem, OutboxState } from '../deliver/outbox.js';
import { listOutbox, replayDead } from '../deliver/outbox.js';
import type { App } from '../app/app.js';
import { createApp } from '../app/app.js';
import type { Receiver } from '../model.js';
import { redact } from '../redact.js';
import { terminalSafe } from '../render/toConsoleText.js';
import type { CliCommand, CliIo } from './command.js';
import { writeLine } from './command.js';

const STATES: OutboxState[] = ['pending', 'dead', 'delivered'];

/** The app from the settings, created on first use only (--state needs none for the store). */
function lazyApp(io: CliIo): () => App {
  let app: App | undefined;
  return () => (app ??= createApp(io.env));
}

async function storeFor(state: string | undefined, io: CliIo, app = lazyApp(io)): Promise<KeyValueStore> {
  // Without --state, the store the app settings select (STATE_STORE, STATE_DIR, STATE_TABLE_*).
  return state ? createFileStore(resolve(io.cwd, state)) : app().store();
}

/** The receivers the app settings name, when the routing loads; none otherwise. */
function knownReceivers(app: () => App): Map<string, Receiver> {
  try {
    const { receivers } = app().routing().routing;
    return new Map(receivers.map((r): [string, Receiver] => [r.name, r]));
  } catch {
    return new Map();
  }
}

async function list(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      state: { type: 'string' },
      status: { type: 'string' },
      receiver: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const wanted = values.status ? [values.status] : ['pending', 'dead'];
  const bad = wanted.filter((s) => !STATES.includes(s as OutboxState));
  if (bad.length > 0) {
    writeLine(io.stderr, `deliveries: --status must be one of ${STATES.join(', ')} (got ${bad.join(', ')})`);
    return 2;
  }
  const app = lazyApp(io);
  const store = await storeFor(values.state, io, app);
  const items: OutboxItem[] = [];
  for (const state of wanted as OutboxState[]) {
    for await (const { item } of listOutbox(store, state, values.receiver)) items.push(item);
  }
  // Errors were redacted when stored; again here with today's receivers, for records kept from before.
  const receivers = [...knownReceivers(app).values()];
  for (const i of items) if (i.lastError) i.lastError = redact(i.lastError, receivers);
  if (values.json) {
    // Bodies stay out: they can be large, and the listing is for triage.
    const rows = items.map(({ body: _body, ...rest }) => rest);
    writeLine(io.stdout, JSON.stringify(rows, null, 2));
    return 0;
  }
  if (items.length === 0) {
    writeLine(io.stdout, `No ${wanted.join(' or ')} deliveries.`);
    return 0;
  }
  for (const i of items) {
    const sending = i.leaseUntil !== undefined && Date.parse(i.leaseUntil) > Date.now();
    const when =
      i.state !== 'pending'
        ? `finished ${i.finishedAt ?? '?'}`
        : sending
          ? `being sent (held until ${i.leaseUntil ?? ''})`
          : `next attempt ${i.nextAttemptAt}`;
    writeLine(io.stdout, `${i.state.padEnd(9)} ${i.receiver} ${i.id} attempts=${i.attempts} ${when}`);
    writeLine(io.stdout, `          ${terminalSafe(i.summary)}`);
    if (i.lastError) writeLine(io.stdout, `          last error: ${terminalSafe(i.lastError)}`);
  }
  return 0;
}

async function replay(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { state: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const [receiver, id] = positionals;
  if (!receiver || !id) {
    writeLine(
      io.stderr,
      'deliveries replay: give the receiver and the notification id (see deliveries list)',
    );
    return 2;
  }
  const ok = await replayDead(await storeFor(values.state, io), receiver, id, new Date());
  if (!ok) {
    writeLine(io.stderr, `deliveries replay: no dead-lettered notification ${id} for receiver ${receiver}`);
    return 1;
  }
  writeLine(
    io.stdout,
    values.json
      ? JSON.stringify({ receiver, id, state: 'pending' })
      : `Notification ${id} for ${receiver} is pending again (re-queued, not sent): the next run or the outboxRetry timer sends it.`,
  );
  return 0;
}

export const deliveriesCommand: CliCommand = {
  name: 'deliveries',
  summary: 'List pending, dead-lettered or delivered notifications; replay a dead-lettered one',
  help: `Usage:
  aks-alert-enricher deliveries [list] [--state <dir>] [--status pending|dead|delivered] [--receiver <name>] [--json]
  aks-alert-enricher deliveries replay <receiver> <id> [--state <dir>] [--json]

Without --state the store comes from the app settings (STATE_STORE=file|table).
Listing shows pending and dead-lettered items unless --status says otherwise. Replay puts a
dead-lettered notification back in the outbox as pending: it is sent by the next run (or the
outboxRetry timer in Azure), not at once.

Exit status: 0 done; 1 no such dead-lettered notification; 2 wrong arguments.`,
  run(args, io) {
    if (args[0] === 'replay') return replay(args.slice(1), io);
    return list(args[0] === 'list' ? args.slice(1) : args, io);
  },
};
