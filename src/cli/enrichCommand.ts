import { parseArgs } from 'node:util';
import { catalogLookup } from '../catalog/catalogLookup.js';
import { enrichFailure } from '../enrich/enrichFailure.js';
import { logsLinkFor } from '../enrich/logsLink.js';
import type { FailureSignal } from '../model.js';
import { isNotice } from '../model.js';
import { toConsoleText } from '../render/toConsoleText.js';
import { kqlString } from '../azure/kql.js';
import { signalsFromCommonAlertText } from '../sources/commonAlert/signalsFromCommonAlert.js';
import { describeEventGridError, fromEventGrid } from '../sources/eventGrid/fromEventGrid.js';
import type { CliCommand } from './command.js';
import { writeLine } from './command.js';
import { readInput } from './input.js';

/** An alert, or a part of one (its data, essentials or alertContext), so the alert parser names what is missing. */
function isCommonAlert(doc: unknown): boolean {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
  if ('schemaId' in doc || 'essentials' in doc || 'alertContext' in doc) return true;
  const data = (doc as { data?: unknown }).data;
  return typeof data === 'object' && data !== null && 'essentials' in data;
}

const FORMS = ['event-grid', 'cloudevents', 'common-alert'] as const;
type Form = (typeof FORMS)[number];

/** The payload's form as read from its shape: an alert, CloudEvents (every event has a specversion), or Event Grid. */
function formOf(doc: unknown): Form {
  if (isCommonAlert(doc)) return 'common-alert';
  const events = Array.isArray(doc) ? (doc as unknown[]) : [doc];
  const cloud = (e: unknown) =>
    typeof e === 'object' && e !== null && ('specversion' in e || 'specVersion' in e);
  return events.length > 0 && events.every(cloud) ? 'cloudevents' : 'event-grid';
}

const OFFLINE_NOTE =
  'offline: no cluster context from Resource Manager, no activity-log or log-search look-ups (the functions add them)';

export const enrichCommand: CliCommand = {
  name: 'enrich',
  summary: 'Enrich an Event Grid / CloudEvents delivery or an Azure Monitor common-schema alert',
  help: `Usage: aks-alert-enricher enrich <file.json | -> [--json] [--from event-grid|cloudevents|common-alert]

Reads one payload as the functions receive it: an Event Grid or CloudEvents 1.0 delivery (one event
or an array) for AKS resources, or an Azure Monitor alert in the common alert schema. Prints each
failure enriched with the catalog, as it would be notified. Offline: no cluster context, no log
search rows, nothing sent.

  --json   print the enriched failures as a JSON array
  --from   the form the payload must have (read from its shape when absent)

Exit status: 0 when every event was read, 1 when an event or the alert is malformed (the others are
still printed), 2 for unreadable input or wrong arguments.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean', default: false }, from: { type: 'string' } },
      allowPositionals: true,
    });
    const wanted = values.from;
    if (wanted !== undefined && !(FORMS as readonly string[]).includes(wanted)) {
      writeLine(
        io.stderr,
        `enrich: --from must be one of ${FORMS.join(', ')} (got ${JSON.stringify(wanted)})`,
      );
      return 2;
    }
    const path = positionals[0];
    if (!path) {
      writeLine(io.stderr, 'enrich: give a file, or - for standard input');
      return 2;
    }
    const input = await readInput(io, path, 'enrich');
    if ('code' in input) return input.code;
    const text = input.text;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      writeLine(
        io.stderr,
        `enrich: ${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`,
      );
      return 2;
    }
    const form = formOf(doc);
    if (wanted !== undefined && wanted !== form) {
      writeLine(io.stderr, `enrich: ${path} is not ${wanted} input: it reads as ${form}`);
      return 2;
    }
    let signals: FailureSignal[];
    let malformed = 0;
    const notes: string[] = [];
    if (form === 'common-alert') {
      const r = await signalsFromCommonAlertText(text, { maxRows: 0, kqlString });
      if (!r.ok) {
        for (const p of r.problems) writeLine(io.stderr, `enrich: ${path}: ${p.path}: ${p.message}`);
        return 1;
      }
      signals = r.signals;
      notes.push(...r.notes);
    } else {
      const r = fromEventGrid(doc);
      signals = r.signals;
      malformed = r.errors.length;
      for (const e of r.errors) writeLine(io.stderr, `enrich: ${describeEventGridError(e)}`);
      for (const i of r.ignored) notes.push(`ignored ${i.eventType}: ${i.reason}`);
    }
    const enriched = signals.map((s) => {
      const logsLink = logsLinkFor(s);
      return enrichFailure(s, catalogLookup, logsLink ? { logsLink } : {});
    });
    if (values.json) writeLine(io.stdout, JSON.stringify(enriched, null, 2));
    else {
      for (const f of enriched) {
        writeLine(io.stdout, toConsoleText(f));
        writeLine(io.stdout);
      }
      for (const n of [...notes, OFFLINE_NOTE]) writeLine(io.stdout, `Note: ${n}`);
      const notices = enriched.filter(isNotice).length;
      writeLine(
        io.stdout,
        `${enriched.length - notices} failure(s)${notices > 0 ? `, ${notices} notice(s) (not failures)` : ''}`,
      );
    }
    if (malformed > 0) {
      writeLine(io.stderr, `enrich: ${String(malformed)} malformed event(s) left out`);
      return 1;
    }
    return 0;
  },
};
