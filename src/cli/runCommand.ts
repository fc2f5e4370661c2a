import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AppConfig } from '../app/appConfig.js';
import { appConfigFromEnv } from '../app/appConfig.js';
import { createApp } from '../app/app.js';
import type { EnrichedFailure, FailureSignal } from '../model.js';
import { severityRank } from '../model.js';
import { notifyPolicyDefaults, parseNotifyPolicy } from '../notify/policy.js';
import type { ProcessReport } from '../pipeline/processSignals.js';
import {
  addReport,
  emptyReport,
  failureCounts,
  processSignals,
  releaseDue,
} from '../pipeline/processSignals.js';
import { runPoll } from '../pipeline/runPoll.js';
import { reportLines, toConsoleReport } from '../render/toConsoleReport.js';
import { loadRoutingConfig, noReceivers } from '../route/index.js';
import type { RoutingConfig } from '../route/index.js';
import type { DeliveryReport } from '../deliver/delivery.js';
import { fromExportedResults } from '../sources/logAnalytics/fromExportedResults.js';
import { EXPECTED_COLUMNS } from '../sources/logAnalytics/knownTables.js';
import { pollWorkspaces } from '../sources/logAnalytics/poll.js';
import { readSampleFleet } from '../sources/logAnalytics/sampleFleet.js';
import { createFileStore } from '../state/fileStore.js';
import { readWatermark, writeWatermark } from '../state/watermarks.js';
import { counted, headline } from '../render/digest/digestText.js';
import type { CliCommand, CliIo } from './command.js';
import { writeLine } from './command.js';
import { webhookRouting } from './webhookRouting.js';
import { DIGEST_FORMATS, digestOfSignals, writeDigestFiles } from './digestFiles.js';
import { lastDay } from './sampleDay.js';
import { azureLoginProblem } from './azureLogin.js';
import { readInput } from './input.js';
import { progress, shownPath, useColor } from './terminal.js';

const HELP = `Usage: aks-alert-enricher run [options]

Runs the failure pipeline once: reads AKS failures, enriches them with the error-code catalog,
groups and routes them, and delivers notifications. Prints one line per notification, grouped by
cluster and marked new, update, resolved, suppressed or held; a node's auto-repair steps are one
line. Failures already processed with the same state folder are not processed or sent again.

Options:
  --source <s>     sample (default): the bundled sample fleet's last day (the day before feeds
                   only the digest's trend);
                   <file>: query results exported with 'az monitor log-analytics query -o json'
                   or the portal's JSON export (KubeEvents, AzureActivity, AKSControlPlane,
                   AzureDiagnostics rows, mixed as you like);
                   workspace:<id>[,<id>...]: poll Log Analytics workspaces with your Azure login
                   (DefaultAzureCredential, e.g. after 'az login'), from the stored watermark.
  --webhook <url>  deliver to a generic signed webhook (https, or http on localhost);
                   the signing secret comes from --secret or WEBHOOK_SECRET
  --secret <s>     Standard Webhooks secret ('whsec_' + base64) for --webhook
  --config <file>  a routing file (receivers, routes, grouping, silences); see docs/routing.md
  --state <dir>    state folder (default .state): dedup, outbox, watermarks, silences; without
                   it and with STATE_STORE=table, Table Storage from the app settings
  --out <dir>      where to write enriched-failures.json (default out); with the sample fleet
                   also its daily digest (digest.html, digest.md, digest.json). A run that
                   finds nothing new leaves an earlier enriched-failures.json as it was.
                   '-': the enriched failures as JSON on standard output (the report goes to
                   standard error)
  --verbose        also what to do, the links and the fingerprints under each line
  --quiet          print the summary only
  --json           print the run as JSON (notifications, counts, delivery) instead of text

Exit status: 0 done; 1 done in part (unreadable rows, failed queries, problems, undelivered
notifications); 2 wrong arguments or unreadable input.`;

const NO_RECEIVERS: RoutingConfig = noReceivers('(console only)');

function bySeverityThenTime(a: EnrichedFailure, b: EnrichedFailure): number {
  return severityRank(a.severity) - severityRank(b.severity) || a.occurredAt.localeCompare(b.occurredAt);
}

/** "12 planned (10 new, 2 updates), 12 queued; 4 suppressed": zero counts left out. */
function notificationsLine(report: ProcessReport, routed: boolean): string {
  const ns = (report.plans ?? []).flatMap((p) => p.notifications);
  const kinds = [
    [ns.filter((n) => n.status === 'firing' && !n.update).length, 'new'],
    [ns.filter((n) => n.update).length, 'update'],
    [ns.filter((n) => n.status === 'resolved').length, 'resolve'],
  ] as const;
  const split = kinds
    .filter(([n]) => n > 0)
    .map(([n, k]) => (k === 'new' ? `${String(n)} new` : counted(n, k)))
    .join(', ');
  const kept = (
    [
      [report.suppressed, 'suppressed'],
      [report.held, 'held'],
      [report.silenced, 'silenced'],
      [report.recovered, 'recovered before being sent'],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${String(n)} ${what}`);
  if (routed && report.unrouted > 0) kept.push(`${String(report.unrouted)} matched no route`);
  return (
    `Notifications: ${String(report.notifications)} planned${split && report.notifications > 0 ? ` (${split})` : ''}${report.noticeNotifications > 0 ? `, ${String(report.noticeNotifications)} about notices` : ''}, ${String(report.enqueued)} queued` +
    (kept.length > 0 ? `; ${kept.join(', ')}` : '')
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
      state: { type: 'string' },
      out: { type: 'string', default: 'out' },
      quiet: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  const err = (line: string) => writeLine(io.stderr, line);
  if (values.webhook && values.config) {
    err('run: give --webhook or --config, not both');
    return 2;
  }
  const toStdout = values.out === '-';
  if (toStdout && values.json) {
    err('run: give --json or --out -, not both (each prints JSON on standard output)');
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
  const ids = live
    ? source
        .slice('workspace:'.length)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
  if (live && ids.length === 0) {
    err('run: workspace: needs at least one workspace ID');
    return 2;
  }
  // Read the input before any state is touched: a wrong file is a usage error with nothing done.
  const sample = source === 'sample' ? readSampleFleet() : undefined;
  let signals: FailureSignal[] = [];
  let day: string | undefined;
  const rowErrors: string[] = [];
  let rows = 0;
  if (sample) {
    ({ day, signals } = lastDay(sample.signals));
    rowErrors.push(...sample.rowErrors);
    rows = sample.rows;
  } else if (!live) {
    const text = await readInput(io, source, 'run');
    if ('code' in text) return text.code;
    const parsed = fromExportedResults(text.text, { source });
    if (parsed.error) {
      err(`run: ${parsed.error}`);
      return 2;
    }
    signals = parsed.signals;
    rowErrors.push(...parsed.rowErrors);
    rows = parsed.rows;
  }

  // Live workspaces get the same cluster context as the deployed functions; the sample's saved
  // cluster list stands in for Resource Manager; exported rows are read offline.
  const app = createApp(io.env, {
    ...(values.state === undefined && io.env.STATE_STORE === 'table'
      ? {}
      : { store: createFileStore(resolve(io.cwd, values.state ?? '.state')) }),
    routing: { routing, policy },
    ...(live ? {} : { context: sample ? sample.context : false }),
  });
  const shown = progress(io);
  if (live) {
    shown.step('signing in to Azure…');
    const problem = await azureLoginProblem(app);
    shown.done();
    if (problem) {
      err(`run: ${problem}`);
      return 1;
    }
  }
  const store = await app.store();
  const pipeline = await app.pipeline();
  const report = emptyReport();
  let failedQueries: string[] = [];

  // Delivery runs while failures are planned: the first notification goes out while later ones are
  // still being processed. Started by hand, pending items are retried now rather than after their backoff.
  const work = async (): Promise<void> => {
    if (live) {
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
            shown.step(`polled ${String(done)} slice(s), last ${slice.workspaceId}/${slice.queryName}`);
          },
        },
        { keepEnriched: true },
      );
      addReport(report, polled);
      rowErrors.push(...polled.rowErrors);
      failedQueries = polled.failed;
    } else {
      shown.step(`enriching and planning ${counted(signals.length, 'failure')}…`);
      addReport(report, await processSignals(pipeline.deps, signals, { keepEnriched: true }));
    }
    addReport(report, await releaseDue(pipeline.deps, { keepEnriched: true }));
  };

  let delivery: DeliveryReport | undefined;
  if (pipeline.receivers.size > 0) delivery = (await pipeline.deliverWhile(work, { dueNow: true })).delivery;
  else await work();
  shown.done();

  const fresh = [...report.enriched].sort(bySeverityThenTime);
  const o = (line: string) => writeLine(toStdout ? io.stderr : io.stdout, line);
  const color = !values.json && useColor(io, toStdout ? io.stderr : io.stdout);
  const plans = report.plans ?? [];
  if (!values.quiet && !values.json && fresh.length > 0) {
    for (const line of toConsoleReport(fresh, plans, {
      color,
      verbose: values.verbose,
      repeatIntervalMs: policy.repeatIntervalMs,
      productionClusters: config.digest.productionClusters,
    }))
      o(line);
    o('');
  }

  // The enriched failures: to stdout with --out -, else to a file unless nothing new was found.
  const outDir = resolve(io.cwd, values.out);
  const outFile = resolve(outDir, 'enriched-failures.json');
  let wrote: string | undefined;
  let kept = false;
  if (toStdout) writeLine(io.stdout, JSON.stringify(fresh, null, 2));
  else if (fresh.length === 0 && existsSync(outFile)) kept = true;
  else {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(fresh, null, 2)}\n`);
    wrote = outFile;
  }
  // The whole sample, not only what this run found new: the digest reads the fleet, not the state.
  let digestFiles: string[] = [];
  let digestLine: string | undefined;
  if (sample && !toStdout) {
    shown.step('writing the digest…');
    const digest = await digestOfSignals(
      'sample fleet',
      sample.signals,
      sample.rowErrors,
      sample.context,
      config.digest.productionClusters,
    );
    digestLine = `Digest ${digest.window.start} .. ${digest.window.end}: ${headline(digest)}`;
    digestFiles = writeDigestFiles(digest, outDir, DIGEST_FORMATS);
    shown.done();
  }

  const undelivered = delivery ? delivery.pending + delivery.deadLettered : 0;
  const code =
    failedQueries.length > 0 || rowErrors.length > 0 || report.problems.length > 0 || undelivered > 0 ? 1 : 0;

  // Notices (repair progress, new versions, support) are counted apart: they are no failures.
  const counts = failureCounts(report);
  if (values.json) {
    writeLine(
      io.stdout,
      JSON.stringify(
        {
          source,
          ...(day ? { day } : {}),
          rows,
          failures: {
            found: counts.found,
            new: counts.new,
            alreadyProcessed: counts.found - counts.new,
            unreadableRows: rowErrors.length,
          },
          notices: { found: report.notices, new: report.newNotices },
          notifications: reportLines(fresh, plans, { time: (iso) => iso }).map((l) => ({
            cluster: l.cluster,
            mark: l.mark,
            severity: l.severity,
            at: l.at,
            text: l.text,
            count: l.count,
            marks: l.marks,
            ...(l.note ? { note: l.note } : {}),
            fingerprints: [...new Set(l.failures.map((f) => f.fingerprint))],
            ...(l.notification ? { id: l.notification.id } : {}),
          })),
          counts: {
            planned: report.notifications,
            aboutNotices: report.noticeNotifications,
            queued: report.enqueued,
            held: report.held,
            suppressed: report.suppressed,
            silenced: report.silenced,
            recovered: report.recovered,
            unrouted: report.unrouted,
          },
          ...(delivery
            ? {
                delivery: {
                  delivered: delivery.delivered,
                  pending: delivery.pending,
                  deadLettered: delivery.deadLettered,
                },
              }
            : {}),
          written: [...(wrote ? [wrote] : []), ...digestFiles],
          rowErrors: rowErrors.slice(0, 100),
          problems: report.problems.slice(0, 100),
          failedQueries,
          exitCode: code,
        },
        null,
        2,
      ),
    );
    return code;
  }

  o(
    sample
      ? `Source: sample fleet, ${day ?? ''} (its last day; the day before feeds only the digest's trend)`
      : `Source: ${source}${rows ? ` (${counted(rows, 'row')})` : ''}`,
  );
  o(
    `Failures: ${String(counts.found)} found, ${String(counts.new)} new, ${String(counts.found - counts.new)} already processed` +
      (rowErrors.length > 0 ? `, ${counted(rowErrors.length, 'unreadable row')}` : ''),
  );
  if (report.notices > 0)
    o(
      `Notices: ${String(report.notices)} found, ${String(report.newNotices)} new (repair and upgrade progress, new Kubernetes versions, support ending or ended: not failures)`,
    );
  o(notificationsLine(report, pipeline.receivers.size > 0));
  if (delivery)
    o(
      `Delivery: ${String(delivery.delivered)} delivered, ${String(delivery.pending)} pending, ${String(delivery.deadLettered)} dead-lettered`,
    );
  else o('Delivery: none configured; send with --config <routing file> (docs/routing.md) or --webhook <url>');
  if (wrote) o(`Wrote ${shownPath(io, wrote)}`);
  if (kept) o(`Nothing new: ${shownPath(io, outFile)} still holds the failures of an earlier run`);
  if (digestLine) o(digestLine);
  if (digestFiles.length > 0) o(`Wrote ${digestFiles.map((p) => shownPath(io, p)).join(', ')}`);
  for (const e of rowErrors.slice(0, 20)) err(`row error: ${e}`);
  if (rowErrors.length > 20) err(`row error: … and ${String(rowErrors.length - 20)} more`);
  if (rowErrors.length > 0) err(`run: ${EXPECTED_COLUMNS}`);
  for (const p of report.problems.slice(0, 20)) err(`problem: ${p}`);
  for (const e of delivery?.errors.slice(0, 20) ?? []) err(`delivery: ${e}`);
  for (const f of failedQueries) err(`query failed: ${f}`);
  return code;
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Run the failure pipeline once (sample fleet, exported query results, or workspaces)',
  help: HELP,
  run,
};
