import { writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { commaList, parseDurationMs } from '../config.js';
import type { DigestSource } from '../digest/collectDigest.js';
import { computeDigest, signalSource, windowEndingAt } from '../digest/collectDigest.js';
import { workspaceSource } from '../sources/logAnalytics/digestSource.js';
import { withLogsLinks } from '../digest/logsDeepLink.js';
import { headline } from '../render/digest/digestText.js';
import type { FailureSignal } from '../model.js';
import type { ContextPort } from '../ports.js';
import type { RoutingConfig } from '../route/index.js';
import { fromExportedResults } from '../sources/logAnalytics/fromExportedResults.js';
import { createApp } from '../app/app.js';
import { readSampleFleet } from '../sources/logAnalytics/sampleFleet.js';
import { createFileStore } from '../state/fileStore.js';
import type { CliCommand, CliIo } from './command.js';
import { writeLine } from './command.js';
import type { DigestFormat } from './digestFiles.js';
import { DIGEST_FORMATS, dayAfterLatest, renderDigest, writeDigestFiles } from './digestFiles.js';
import { sendDigest } from './digestWebhook.js';
import { azureLoginProblem } from './azureLogin.js';
import { readInput } from './input.js';
import { progress, shownPath } from './terminal.js';
import { webhookRouting } from './webhookRouting.js';

const HELP = `Usage: aks-alert-enricher digest [options]

Rolls AKS failures up into the daily digest: totals and trend against the window before, the top
errors with their fixes, clusters and node pools (with Kubernetes version and end of support),
node auto-repair, error codes the catalog does not know, and Log Analytics links.

Options:
  --source <s>      sample (default): the bundled sample fleet;
                    <file>: query results exported with 'az monitor log-analytics query -o json'
                    or the portal's JSON export;
                    workspace:<id>[,<id>...]: query Log Analytics with your Azure login
                    (DefaultAzureCredential, e.g. after 'az login')
  --from <iso>      window start (default: --to minus --window)
  --to <iso>        window end (default: workspaces: the start of this hour; files and the
                    sample: the UTC midnight after their latest failure)
  --window <d>      window length when --from is not given (default 24h)
  --format <list>   any of md, json, html, comma-separated (default md,json,html)
  --out <path>      a folder for digest.md / digest.json / digest.html (default out), or a
                    file (.md, .json or .html) for a single format; '-' writes one format
                    (--format, default md) to standard output
  --production <g>  cluster name globs that are production, comma-separated (default: the
                    PRODUCTION_CLUSTERS setting, else env tags and names): listed first
  --json            print what was written and the totals as JSON
  --logs-scope <id> scope of the fleet-wide Log Analytics links (workspace resource id or
                    /subscriptions/<id>)
  --webhook <url>   also send the JSON digest to a generic signed webhook (https, or http on
                    localhost), through the outbox as 'run --webhook' does: a window's digest
                    is sent once per state folder; the secret comes from --secret or WEBHOOK_SECRET
  --secret <s>      Standard Webhooks secret ('whsec_' + base64) for --webhook
  --state <dir>     state folder for --webhook (default .state): the outbox

Exit status: 0 done; 1 a source could not be read in full (the digest says what is missing);
2 wrong arguments or unreadable input.`;

const FORMATS: readonly string[] = DIGEST_FORMATS;
const HOUR_MS = 3_600_000;

function parseTime(value: string | undefined, name: string): Date | string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms)
    ? `${name} is not a date/time: use ISO 8601, e.g. 2026-11-20T07:00:00Z`
    : new Date(ms);
}

async function run(args: string[], io: CliIo): Promise<number> {
  const err = (line: string) => writeLine(io.stderr, line);
  const { values } = parseArgs({
    args,
    options: {
      source: { type: 'string', default: 'sample' },
      from: { type: 'string' },
      to: { type: 'string' },
      window: { type: 'string', default: '24h' },
      format: { type: 'string' },
      out: { type: 'string', default: 'out' },
      production: { type: 'string' },
      json: { type: 'boolean', default: false },
      'logs-scope': { type: 'string' },
      webhook: { type: 'string' },
      secret: { type: 'string' },
      state: { type: 'string', default: '.state' },
    },
    allowPositionals: false,
  });
  const toStdout = values.out === '-';
  const formats = (values.format ?? (toStdout ? 'md' : 'md,json,html'))
    .split(',')
    .map((f) => f.trim().toLowerCase());
  const bad = formats.filter((f) => !FORMATS.includes(f));
  if (bad.length > 0 || formats.length === 0) {
    err(`digest: unknown --format ${bad.join(', ')}: use md, json and/or html`);
    return 2;
  }
  if (toStdout && formats.length !== 1) {
    err('digest: --out - writes one format to standard output: give one --format');
    return 2;
  }
  if (toStdout && values.json) {
    err('digest: give --json or --out -, not both (each prints on standard output)');
    return 2;
  }
  const windowMs = parseDurationMs(values.window);
  if (windowMs === undefined || windowMs <= 0) {
    err("digest: --window must be a duration like '24h' or '7d'");
    return 2;
  }
  let routing: RoutingConfig | undefined;
  if (values.webhook !== undefined) {
    const r = webhookRouting(values.webhook, values.secret ?? io.env.WEBHOOK_SECRET);
    if (typeof r === 'string') {
      err(`digest: ${r}`);
      return 2;
    }
    routing = r;
  }
  const fromParsed = parseTime(values.from, '--from');
  const toParsed = parseTime(values.to, '--to');
  for (const t of [fromParsed, toParsed])
    if (typeof t === 'string') {
      err(`digest: ${t}`);
      return 2;
    }
  const from = fromParsed instanceof Date ? fromParsed : undefined;
  const to = toParsed instanceof Date ? toParsed : undefined;

  let source: DigestSource;
  let defaultEnd: number;
  const src = values.source;
  if (src.startsWith('workspace:')) {
    const ids = src
      .slice('workspace:'.length)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length === 0) {
      err('digest: --source workspace: needs at least one workspace id');
      return 2;
    }
    const app = createApp(io.env);
    const problem = await azureLoginProblem(app);
    if (problem) {
      err(`digest: ${problem}`);
      return 1;
    }
    source = workspaceSource({ client: await app.logsClient(), workspaceIds: ids });
    defaultEnd = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  } else {
    let signals: FailureSignal[];
    let rowErrors: string[];
    let context: ContextPort | undefined;
    if (src === 'sample') {
      const fleet = readSampleFleet();
      signals = fleet.signals;
      rowErrors = fleet.rowErrors;
      context = fleet.context;
    } else {
      const read = await readInput(io, src, 'digest');
      if ('code' in read) return read.code;
      const parsed = fromExportedResults(read.text, { source: src });
      if (parsed.error) {
        err(`digest: ${parsed.error}`);
        return 2;
      }
      signals = parsed.signals;
      rowErrors = parsed.rowErrors;
    }
    source = signalSource(src === 'sample' ? 'sample fleet' : src, signals, rowErrors, context);
    defaultEnd = dayAfterLatest(signals).getTime();
  }
  const end = to ?? (from ? new Date(from.getTime() + windowMs) : new Date(defaultEnd));
  const window = from ? { start: from.toISOString(), end: end.toISOString() } : windowEndingAt(end, windowMs);
  if (Date.parse(window.end) <= Date.parse(window.start)) {
    err('digest: --to must be after --from');
    return 2;
  }
  const production = values.production ?? io.env.PRODUCTION_CLUSTERS;
  const shown = progress(io);
  shown.step(`computing the digest of ${window.start} .. ${window.end}…`);
  const digest = withLogsLinks(
    await computeDigest({
      window,
      sources: [source],
      ...(production ? { productionClusters: commaList(production) } : {}),
    }),
    values['logs-scope'],
  );
  shown.done();
  if (toStdout) {
    writeLine(io.stdout, renderDigest(formats[0] as DigestFormat, digest).replace(/\n$/, ''));
    for (const p of digest.problems.slice(0, 20)) err(`digest: problem: ${p}`);
    return digest.problems.length > 0 ? 1 : 0;
  }

  const out = resolve(io.cwd, values.out);
  const ext = extname(out).slice(1).toLowerCase();
  const single = FORMATS.includes(ext);
  if (single && formats.length !== 1) {
    err(`digest: --out ${values.out} is one file; give one --format or an --out folder`);
    return 2;
  }
  const written: string[] = [];
  try {
    if (single) {
      writeFileSync(out, renderDigest(formats[0] as DigestFormat, digest));
      written.push(out);
    } else written.push(...writeDigestFiles(digest, out, formats as DigestFormat[]));
  } catch (e) {
    err(`digest: cannot write ${values.out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return 1;
  }
  const code = digest.problems.length > 0 ? 1 : 0;
  const summary = {
    window,
    headline: headline(digest),
    totals: digest.totals,
    problems: digest.problems,
    written,
  };
  if (values.json && !routing) {
    writeLine(io.stdout, JSON.stringify(summary, null, 2));
    return code;
  }
  if (!values.json) {
    writeLine(io.stdout, `${window.start} .. ${window.end}: ${headline(digest)}`);
    for (const p of digest.problems.slice(0, 20)) writeLine(io.stdout, `  problem: ${p}`);
    for (const w of written) writeLine(io.stdout, `wrote ${shownPath(io, w)}`);
  }
  if (!routing) return code;

  const { publish, delivery } = await sendDigest(
    digest,
    routing,
    createFileStore(resolve(io.cwd, values.state)),
    io.env,
  );
  const undelivered = delivery.pending + delivery.deadLettered + publish.errors.length;
  if (values.json) {
    writeLine(
      io.stdout,
      JSON.stringify(
        {
          ...summary,
          webhook: {
            queued: publish.added > 0,
            delivered: delivery.delivered,
            pending: delivery.pending,
            deadLettered: delivery.deadLettered,
          },
        },
        null,
        2,
      ),
    );
  } else {
    writeLine(
      io.stdout,
      publish.added > 0
        ? 'webhook: digest queued'
        : "webhook: this window's digest was queued before (sent or waiting); not queued again",
    );
    writeLine(
      io.stdout,
      `delivery: ${String(delivery.delivered)} delivered, ${String(delivery.pending)} pending, ${String(delivery.deadLettered)} dead-lettered`,
    );
  }
  for (const e of [...publish.errors, ...delivery.errors].slice(0, 20)) err(`delivery: ${e}`);
  return undelivered > 0 ? 1 : code;
}

export const digestCommand: CliCommand = {
  name: 'digest',
  summary:
    'Write the failure digest (HTML, Markdown, JSON) for a window of the sample fleet, a file or workspaces',
  help: HELP,
  run,
};
