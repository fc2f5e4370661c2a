import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { CATEGORIES, SEVERITIES } from '../model.js';
import type { EnrichedFailure, Notification } from '../model.js';
import { cleanLine, truncate } from '../text.js';
import { explainRoute, loadRoutingConfig } from '../route/index.js';
import type { RouteExplanation, RoutingConfig } from '../route/index.js';
import { failureTitle } from '../render/failureTitle.js';
import { sampleFleetFailures } from './sampleDay.js';
import { shownPath } from './terminal.js';
import { SIGNAL_KINDS, SIGNAL_SOURCES } from '../model.js';
import type { CliCommand, CliIo } from './command.js';
import { writeLine } from './command.js';
import { readInput } from './input.js';

const HELP = `Usage: aks-alert-enricher routes test [--config FILE] [--failure FILE | --sample] [--verbose] [--json]

Shows which routes of a routing file match an enriched failure, why, and which receivers it
would reach. Nothing is sent.

Options:
  --config FILE    routing file (YAML or JSON); default: the ROUTING_CONFIG_PATH setting, else the
                   built-in single route to WEBHOOK_URL
  --failure FILE   an enriched failure (as the pipeline journals it), a list of them, or a
                   notification (JSON); '-' reads standard input
  --sample         the sample fleet's failures of its last day, one per cluster and error, a
                   line each with the receivers (the default when --failure is not given)
  --verbose        with --sample: every route's verdict and conditions for each failure
  --json           print the explanation as JSON

App settings a receiver reads need not be set for a dry run; unset ones are listed.

Exit status: 0 routed; 1 the routing file or the failure file has errors (named); 2 wrong
arguments or an unreadable file.`;

/** Enough of an EnrichedFailure to route it; arrays default to empty for hand-written files. */
const failureShape = z.looseObject({
  fingerprint: z.string().min(1),
  severity: z.enum(SEVERITIES),
  status: z.enum(['firing', 'resolved', 'info']),
  kind: z.enum(SIGNAL_KINDS),
  source: z.enum(SIGNAL_SOURCES),
  title: z.string(),
  category: z.enum(CATEGORIES).optional(),
  matches: z.array(z.looseObject({ code: z.string() })).default([]),
  errorCodes: z.array(z.string()).default([]),
  links: z.array(z.unknown()).default([]),
  texts: z.array(z.string()).default([]),
  unrecognised: z.array(z.string()).default([]),
  attributes: z.record(z.string(), z.string()).default({}),
});

type Subject = EnrichedFailure | Notification;

function readSubjects(value: unknown, name: string): Subject[] | string {
  const items = Array.isArray(value) ? value : [value];
  const out: Subject[] = [];
  for (const [i, item] of items.entries()) {
    const where = Array.isArray(value) ? `${name}[${String(i)}]` : name;
    if (item && typeof item === 'object' && Array.isArray((item as { failures?: unknown }).failures)) {
      const n = item as Notification;
      const lead = failureShape.safeParse(n.failures[0]);
      if (!lead.success) return `${where}.failures[0]: ${describeIssue(lead.error)}`;
      out.push({ ...n, failures: [lead.data as unknown as EnrichedFailure, ...n.failures.slice(1)] });
      continue;
    }
    const parsed = failureShape.safeParse(item);
    if (!parsed.success)
      return `${where}: not an enriched failure or notification: ${describeIssue(parsed.error)}`;
    out.push(parsed.data as unknown as EnrichedFailure);
  }
  return out.length > 0 ? out : `${name}: no failures in the file`;
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(top level)'}: ${issue.message}` : 'invalid';
}

function subjectLine(subject: Subject): string {
  const n = 'failures' in subject ? subject : undefined;
  const f = n ? n.failures[0] : (subject as EnrichedFailure);
  const count = n && n.count > 1 ? `${String(n.count)} × ` : '';
  const title = f ? failureTitle(f) : '';
  return truncate(
    cleanLine(
      `${subject.severity.toUpperCase()} ${count}${title} [${[f?.kind, f?.category].filter(Boolean).join(', ')}]`,
    ),
    240,
  );
}

function printExplanation(io: CliIo, config: RoutingConfig, e: RouteExplanation): void {
  const type = new Map(config.receiverInfo.map((r) => [r.name, r.type]));
  for (const step of e.steps) {
    const head = `  ${step.name.startsWith('routes[') ? step.name : `routes[${String(step.index)}] "${cleanLine(step.name)}"`}`;
    if (!step.evaluated) {
      writeLine(io.stdout, `${head}: not evaluated (an earlier route matched without continue)`);
      continue;
    }
    writeLine(
      io.stdout,
      step.matched
        ? `${head}: MATCHED -> ${step.receivers.join(', ')}${step.continue ? ' (continue)' : ''}`
        : `${head}: no match`,
    );
    if (step.conditions.length === 0) writeLine(io.stdout, '      + no conditions: matches everything');
    for (const c of step.conditions) writeLine(io.stdout, `      ${c.ok ? '+' : '-'} ${cleanLine(c.detail)}`);
  }
  if (config.defaultReceivers.length > 0)
    writeLine(
      io.stdout,
      e.usedDefault
        ? `  default: USED -> ${config.defaultReceivers.join(', ')}`
        : '  default: not used (a route without continue matched)',
    );
  writeLine(
    io.stdout,
    e.receivers.length > 0
      ? `  => receivers: ${e.receivers.map((r) => `${r} (${type.get(r) ?? '?'})`).join(', ')}`
      : '  => receivers: none (no route matched and there is no default)',
  );
}

/** One line per failure: severity, title, receivers and the routes that chose them; then totals. */
function printSummary(
  io: CliIo,
  config: RoutingConfig,
  day: string,
  explanations: { subject: Subject; explanation: RouteExplanation }[],
): void {
  writeLine(io.stdout);
  writeLine(io.stdout, `The sample fleet's failures of ${day}, one per cluster and error:`);
  const perReceiver = new Map<string, number>();
  for (const { subject, explanation } of explanations) {
    const f = 'failures' in subject ? subject.failures[0] : subject;
    if (!f) continue;
    for (const r of explanation.receivers) perReceiver.set(r, (perReceiver.get(r) ?? 0) + 1);
    const by = [
      // The routes that decided; `continue` ones (an archive) match everything anyway.
      ...explanation.steps
        .filter((s) => s.matched && !s.continue)
        .map((s) => (s.name.startsWith('routes[') ? s.name : cleanLine(s.name))),
      ...(explanation.usedDefault ? ['default'] : []),
    ];
    writeLine(
      io.stdout,
      `  ${subject.severity.toUpperCase().padEnd(8)} ${truncate(cleanLine(failureTitle(f)), 100)}`,
    );
    writeLine(
      io.stdout,
      `           -> ${explanation.receivers.join(', ') || 'nobody'}${by.length > 0 ? `  (${by.join('; ')})` : ''}`,
    );
  }
  const type = new Map(config.receiverInfo.map((r) => [r.name, r.type]));
  writeLine(io.stdout);
  writeLine(
    io.stdout,
    `Of ${String(explanations.length)}: ${[...perReceiver].map(([r, n]) => `${r} (${type.get(r) ?? '?'}) ${String(n)}`).join(', ') || 'none reach a receiver'}.`,
  );
  writeLine(io.stdout, "Add --verbose for every route's conditions, --failure FILE for your own failure.");
}

export const routesTestCommand: CliCommand = {
  name: 'routes test',
  summary: 'Show which receivers a failure (or a sample) would reach, and why',
  help: HELP,
  async run(args, io) {
    let values: { config?: string; failure?: string; sample?: boolean; json?: boolean; verbose?: boolean };
    try {
      ({ values } = parseArgs({
        args,
        options: {
          config: { type: 'string' },
          failure: { type: 'string' },
          sample: { type: 'boolean' },
          json: { type: 'boolean' },
          verbose: { type: 'boolean' },
        },
        allowPositionals: false,
      }));
    } catch (err) {
      writeLine(io.stderr, `routes test: ${err instanceof Error ? err.message : String(err)}`);
      writeLine(io.stderr, HELP);
      return 2;
    }
    if (values.failure !== undefined && values.sample) {
      writeLine(io.stderr, 'routes test: give either --failure or --sample, not both');
      return 2;
    }
    const configPath = values.config ?? io.env.ROUTING_CONFIG_PATH?.trim();
    const loaded = loadRoutingConfig(configPath ? resolve(io.cwd, configPath) : undefined, io.env, {
      requireSettings: false,
    });
    if (!loaded.ok) {
      for (const e of loaded.errors) writeLine(io.stderr, e);
      return 1;
    }

    let subjects: Subject[];
    let sampleDay: string | undefined;
    if (values.failure === undefined) {
      const sample = await sampleFleetFailures();
      subjects = sample.failures;
      sampleDay = sample.day;
    } else {
      const name = values.failure;
      const input = await readInput(io, name, 'routes test');
      if ('code' in input) return input.code;
      let json: unknown;
      try {
        json = JSON.parse(input.text);
      } catch (err) {
        writeLine(io.stderr, `${name}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
      }
      const read = readSubjects(json, name);
      if (typeof read === 'string') {
        writeLine(io.stderr, read);
        return 1;
      }
      subjects = read;
    }

    const { config } = loaded;
    const explanations = subjects.map((s) => ({ subject: s, explanation: explainRoute(config, s) }));
    if (values.json) {
      writeLine(
        io.stdout,
        JSON.stringify(
          {
            config: config.source,
            warnings: loaded.warnings,
            results: explanations.map(({ subject, explanation }) => ({
              fingerprint: subject.fingerprint,
              ...explanation,
            })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    writeLine(
      io.stdout,
      `Routing: ${config.source.startsWith('/') ? shownPath(io, config.source) : config.source}`,
    );
    for (const info of config.receiverInfo)
      writeLine(
        io.stdout,
        `  receiver ${info.name} (${info.type})${info.unset.length > 0 ? ` — unset settings: ${info.unset.join(', ')}` : ''}`,
      );
    for (const w of loaded.warnings) writeLine(io.stdout, `warning: ${w}`);
    if (sampleDay && !values.verbose) {
      printSummary(io, config, sampleDay, explanations);
      return 0;
    }
    explanations.forEach(({ subject, explanation }, i) => {
      writeLine(io.stdout);
      writeLine(io.stdout, `Failure ${String(i + 1)}: ${subjectLine(subject)}`);
      printExplanation(io, config, explanation);
    });
    return 0;
  },
};
