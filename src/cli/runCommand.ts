import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AppConfig } from '../app/appConfig.js';
import { appConfigFromEnv } from '../app/appConfig.js';
import { createApp } from '../app/app.js';
import type { EnrichedFailure, FailureSignal } from '../model.js';
import { SEVERITIES } from '../model.js';
import { notifyPolicyDefaults, parseNotifyPolicy } from '../notify/policy.js';
import { addReport, emptyReport, processSignals, releaseDue } from '../pipeline/processSignals.js';
import { runPoll } from '../pipeline/runPoll.js';
import { toConsoleText } from '../render/toConsoleText.js';
import { loadRoutingConfig } from '../route/index.js';
import type { RoutingConfig } from '../route/index.js';
import type { DeliveryReport } from '../deliver/delivery.js';
import { fromExportedResults } from '../sources/logAnalytics/fromExportedResults.js';
import { pollWorkspaces } from '../sources/logAnalytics/poll.js';
import { readSampleFleet } from '../sources/logAnalytics/sampleFleet.js';
import { createFileStore } from '../state/fileStore.js';
import { readWatermark, writeWatermark } from '../state/watermarks.js';
import { headline } from '../render/digest/digestText.js';
import type { CliCommand, CliIo } from './command.js';
import { writeLine } from './command.js';
import { webhookRouting } from './webhookRouting.js';
import { DIGEST_FORMATS, digestOfSignals, writeDigestFiles } from './digestFiles.js';

const HELP = `Usage: aks-alert-enricher run [options]

Runs the failure pipeline once: reads AKS failures, enriches them with the error-code catalog,
groups and routes them, and delivers notifications. Failures already processed with the same
state folder are not processed or sent again.

Options:
  --source <s>     sample (default): the bundled sample fleet;
                   <file>: query results exported with 'az monitor log-analytics query -o json'
                   or the portal's JSON export (KubeEvents, AzureActivity, AKSControlPlane,
                   AzureDiagnostics rows, mixed as you like);
                   workspace:<id>[,<id>...]: poll Log Analytics workspaces with your Azure login
                   (DefaultAzureCredential, e.g. after 'az login'), from the stored watermark.
  --webhook <url>  deliver to a generic signed webhook (https, or http on localhost);
                   the signing secret comes from --secret or WEBHOOK_SECRET
  --secret <s>     Standard Webhooks secret ('whsec_' + base64) for --webhook
  --config <file>  a routing file (receivers, routes, grouping, silences); see docs/routing.md
  --state <dir>    state folder (default .state): dedup, outbox, watermarks
  --out <dir>      where to write enriched-failures.json (default out); with the sample fleet
                   also its daily digest (digest.html, digest.md, digest.json)
  --quiet          print the summary only`;

const NO_RECEIVERS: RoutingConfig = {
  source: '(console only)',
  receivers: [],
  receiverInfo: [],
  routes: [],
  defaultReceivers: [],
  digest: { receivers: [] },
  notify: { grouping: undefined, silences: undefined },
};

function bySeverityThenTime(a: EnrichedFailure, b: EnrichedFailure): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    a.occurredAt.localeCompare(b.occurredAt)
  );
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      source: { type: 'string', default: 'sample' },
      webhook: { type: 'string' },
      secret: { type: 'string' },
      config: { type: 'string' },
      state: { type: 'string', default: '.state' },
      out: { type: 'string', default: 'out' },
      quiet: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  const err = (line: string) => writeLine(io.stderr, line);
  if (values.webhook && values.config) {
    err('run: give --webhook or --config, not both');
    return 2;
  }
  let routing = NO_RECEIVERS;
  if (values.webhook) {
    const r = webhookRouting(values.webhook, values.secret ?? io.env.WEBHOOK_SECRET);
    if (typeof r === 'string') {
      err(`run: ${r}`);
      return 2;
    }
    routing = r;
  } else if (values.config) {
    const loaded = loadRoutingConfig(resolve(io.cwd, values.config), io.env);
    if (!loaded.ok) {
      for (const e of loaded.errors) err(`run: ${e}`);
      return 2;
    }
    for (const w of loaded.warnings) err(`run: warning: ${w}`);
    routing = loaded.config;
  }
  let config: AppConfig;
  try {
    config = appConfigFromEnv(io.env);
  } catch (e) {
    err(`run: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const { policy, errors } = parseNotifyPolicy(
    routing.notify,
    routing.source,
    notifyPolicyDefaults(config.settings),
  );
  if (errors.length > 0) {
    for (const e of errors) err(`run: ${e}`);
    return 2;
  }

  const source = values.source;
  const live = source.startsWith('workspace:');
  const sample = source === 'sample' ? readSampleFleet() : undefined;
  // Live workspaces get the same cluster context as the deployed functions; the sample's saved
  // cluster list stands in for Resource Manager; exported rows are read offline.
  const app = createApp(io.env, {
    store: createFileStore(resolve(io.cwd, values.state)),
    routing: { routing, policy },
    ...(live ? {} : { context: sample ? sample.context : false }),
  });
  const store = await app.store();
  const pipeline = await app.pipeline();
  const progress = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const report = emptyReport();
  const rowErrors: string[] = [];
  let failedQueries: string[] = [];
  let rows = 0;

  if (source.startsWith('workspace:')) {
    const ids = source
      .slice('workspace:'.length)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length === 0) {
      err('run: workspace: needs at least one workspace ID');
      return 2;
    }
    const client = await app.logsClient();
    let done = 0;
    const polled = await runPoll(
      {
        pipeline: pipeline.deps,
        slices: pollWorkspaces({
          client,
          workspaceIds: ids,
          readWatermark: (ws, q) => readWatermark(store, ws, q),
          now: new Date(),
          overlapMs: config.poll.overlapMs,
          initialLookbackMs: config.poll.initialLookbackMs,
          maxConcurrency: config.poll.maxConcurrency,
        }),
        writeWatermark: (ws, q, iso) => writeWatermark(store, ws, q, iso),
        onSlice: (slice) => {
          done++;
          if (progress)
            io.stderr.write(`\rpolled ${done} slice(s), last ${slice.workspaceId}/${slice.queryName}   `);
        },
      },
      { keepEnriched: true },
    );
    if (progress) io.stderr.write('\n');
    addReport(report, polled);
    rowErrors.push(...polled.rowErrors);
    failedQueries = polled.failed;
  } else {
    let signals: FailureSignal[];
    if (sample) {
      signals = sample.signals;
      rowErrors.push(...sample.rowErrors);
      rows = sample.rows;
    } else {
      let text: string;
      try {
        text = readFileSync(resolve(io.cwd, source), 'utf8');
      } catch (e) {
        err(`run: cannot read ${source}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        return 2;
      }
      const parsed = fromExportedResults(text, { source });
      if (parsed.error) {
        err(`run: ${parsed.error}`);
        return 2;
      }
      signals = parsed.signals;
      rowErrors.push(...parsed.rowErrors);
      rows = parsed.rows;
    }
    addReport(report, await processSignals(pipeline.deps, signals, { keepEnriched: true }));
    addReport(report, await releaseDue(pipeline.deps));
  }

  let delivery: DeliveryReport | undefined;
  // Started by hand: pending items are retried now rather than after their backoff.
  if (pipeline.receivers.size > 0) delivery = await pipeline.deliver({ dueNow: true });

  const fresh = [...report.enriched].sort(bySeverityThenTime);
  if (!values.quiet) {
    for (const f of fresh) {
      writeLine(io.stdout, toConsoleText(f));
      writeLine(io.stdout);
    }
  }
  const outDir = resolve(io.cwd, values.out);
  mkdirSync(outDir, { recursive: true });
  const outFile = resolve(outDir, 'enriched-failures.json');
  writeFileSync(outFile, `${JSON.stringify(fresh, null, 2)}\n`);

  const o = (line: string) => writeLine(io.stdout, line);
  o(`Source: ${source}${rows ? ` (${rows} rows)` : ''}`);
  // Notices (repair progress, new versions, support) are counted apart: they are no failures.
  const failuresFound = report.received - report.notices;
  const failuresNew = report.processed - report.newNotices;
  o(
    `Failures: ${failuresFound} found, ${failuresNew} new, ${failuresFound - failuresNew} already processed` +
      (rowErrors.length > 0 ? `, ${rowErrors.length} unreadable row(s)` : ''),
  );
  if (report.notices > 0)
    o(
      `Notices: ${report.notices} found, ${report.newNotices} new (repair and upgrade progress, new Kubernetes versions, support ending or ended: not failures)`,
    );
  const noticeNotes = report.noticeNotifications > 0 ? ` (${report.noticeNotifications} about notices)` : '';
  o(
    `Notifications: ${report.notifications} planned${noticeNotes}, ${report.enqueued} queued; ${report.held} held, ${report.suppressed} suppressed (repeat or nothing to resolve), ${report.silenced} silenced, ${report.recovered} recovered before being sent` +
      (report.unrouted > 0 && pipeline.receivers.size > 0 ? `, ${report.unrouted} matched no route` : ''),
  );
  if (delivery)
    o(
      `Delivery: ${delivery.delivered} delivered, ${delivery.pending} pending, ${delivery.deadLettered} dead-lettered`,
    );
  else o('Delivery: no receiver configured (use --webhook or --config); failures are printed above');
  o(`Wrote ${outFile}`);
  // The whole sample, not only what this run found new: the digest reads the fleet, not the state.
  if (sample) {
    const digest = await digestOfSignals('sample fleet', sample.signals, sample.rowErrors, sample.context);
    o(`Digest ${digest.window.start} .. ${digest.window.end}: ${headline(digest)}`);
    for (const path of writeDigestFiles(digest, outDir, DIGEST_FORMATS)) o(`Wrote ${path}`);
  }
  for (const e of rowErrors.slice(0, 20)) err(`row error: ${e}`);
  for (const p of report.problems.slice(0, 20)) err(`problem: ${p}`);
  for (const e of delivery?.errors.slice(0, 20) ?? []) err(`delivery: ${e}`);
  for (const f of failedQueries) err(`query failed: ${f}`);
  return failedQueries.length > 0 ? 1 : 0;
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Run the failure pipeline once (sample fleet, exported query results, or workspaces)',
  help: HELP,
  run,
};
