import { truncate } from '../text.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CatalogEntry, MatchResult } from '../catalog/index.js';
import { allEntries, findEntry, match } from '../catalog/index.js';
import { terminalSafe } from '../render/toConsoleText.js';
import type { CliCommand, CliIo } from './command.js';
import { writeLine } from './command.js';
import { EXIT, readInput } from './input.js';

function describeEntry(e: CatalogEntry): string[] {
  return [
    `${e.code} — ${e.title} [${e.category}, ${e.severity}]`,
    ...(e.aliases.length > 0 ? [`  Also: ${e.aliases.join(', ')}`] : []),
    `  Meaning: ${e.meaning}`,
    `  What to do: ${e.mitigation}`,
    `  Docs: ${e.docUrl}`,
  ];
}

/** The best entry a message matched, indented, and the codes of the others. */
function bestMatchLines(result: MatchResult): string[] {
  const [best, ...others] = result.matches;
  if (!best) return [];
  return [
    ...describeEntry(best.entry).map((line) => `  ${line}`),
    ...(others.length > 0 ? [`    Also matched: ${others.map((m) => m.entry.code).join(', ')}`] : []),
  ];
}

/** A match result as the JSON outputs give it. */
function matchJson(result: MatchResult) {
  return {
    matches: result.matches.map((m) => ({
      code: m.entry.code,
      matchedText: m.matchedText,
      via: m.via,
      score: m.score,
    })),
    unrecognised: result.unrecognised,
  };
}

/** A parsed JSON value's message ("message" or "Message"), or undefined when it is no such record. */
function recordFrom(o: unknown): { message: string; id?: unknown } | undefined {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  const r = o as Record<string, unknown>;
  const m = r.message ?? r.Message;
  if (typeof m !== 'string') return undefined;
  return 'id' in r ? { message: m, id: r.id } : { message: m };
}

/** A JSON Lines record's message ("message" or "Message"), or undefined when the line is no such record. */
function recordOf(line: string): { message: string; id?: unknown } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return recordFrom(JSON.parse(line));
  } catch {
    return undefined;
  }
}

/**
 * Messages from --file or standard input, each kept whole: a JSON array (of strings, or of objects
 * with a "message" field); JSON Lines (the first line a JSON object; a line that is not one is a
 * message of its own); else plain text, one message per block of lines, blocks separated by a blank
 * line, so a pasted multi-line error stays one message.
 */
function messagesOf(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const items = JSON.parse(trimmed) as unknown;
      if (Array.isArray(items))
        return items.flatMap((item) => {
          if (typeof item === 'string') return item.trim() ? [item] : [];
          const r = recordFrom(item);
          return r ? [r.message] : [];
        });
    } catch {
      // Not JSON: plain text that begins with a bracket.
    }
  }
  const lines = trimmed.split(/\r?\n/);
  if (recordOf(lines[0]?.trim() ?? '')) {
    return lines
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => recordOf(l)?.message ?? l);
  }
  return trimmed
    .split(/\r?\n[ \t]*\r?\n/)
    .map((block) =>
      block
        .split(/\r?\n/)
        .map((l) => l.trimEnd())
        .join('\n')
        .trim(),
    )
    .filter(Boolean);
}

const NO_MESSAGE = JSON.stringify('not a JSON object with a "message" string');

/**
 * --jsonl: one JSON object out per input line, in input order, as the lines arrive: what is matched
 * is written once the input read so far is done (or at 64 KB), waiting when the reader is slower,
 * so results are never all held and a script that writes a line and waits gets its answer. A JSON
 * object with "message" keeps its "id"; a plain-text line is the message itself; a line with no id
 * is named by its line number. A JSON line without a message string gets an "error" in its place.
 * Stops quietly when the reader goes away (`| head`).
 */
async function streamJsonl(input: NodeJS.ReadableStream, io: CliIo): Promise<number> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  const out = { gone: false, scheduled: false, draining: undefined as Promise<void> | undefined };
  let buffered = '';
  const onError = () => {
    out.gone = true;
    lines.close();
  };
  io.stdout.once('error', onError);
  const send = () => {
    const chunk = buffered;
    buffered = '';
    if (!chunk || out.gone || io.stdout.write(chunk) || out.draining) return;
    out.draining = new Promise<void>((resolve) => {
      const done = () => {
        io.stdout.removeListener('drain', done);
        io.stdout.removeListener('error', done);
        out.draining = undefined;
        resolve();
      };
      io.stdout.once('drain', done);
      io.stdout.once('error', done);
    });
  };
  // Runs once the lines already read are matched and the input is awaited.
  const sendSoon = () => {
    out.scheduled = false;
    send();
  };
  let n = 0;
  let bad = 0;
  try {
    for await (const raw of lines) {
      n++;
      const line = raw.trim();
      if (!line) continue;
      const record = recordOf(line);
      const where = record && 'id' in record ? `"id":${JSON.stringify(record.id)}` : `"line":${String(n)}`;
      if (!record && line.startsWith('{')) {
        bad++;
        buffered += `{${where},"error":${NO_MESSAGE}}\n`;
      } else {
        const result = match(record ? record.message : line);
        buffered += `{${where},"matches":${JSON.stringify(matchJson(result).matches)},"unrecognised":${JSON.stringify(result.unrecognised)}}\n`;
      }
      if (buffered.length >= 65_536) send();
      else if (!out.scheduled) {
        out.scheduled = true;
        setImmediate(sendSoon);
      }
      if (out.draining) await out.draining;
      if (out.gone) break;
    }
    send();
    if (out.draining) await out.draining;
  } finally {
    io.stdout.removeListener('error', onError);
  }
  if (out.gone) return 0;
  if (bad > 0) writeLine(io.stderr, `match: ${String(bad)} line(s) had no "message" string (see "error")`);
  return bad > 0 ? 1 : 0;
}

export const matchCommand: CliCommand = {
  name: 'match',
  summary: 'Match failure messages against the AKS error-code catalog',
  help: `Usage: aks-alert-enricher match [<message> | --file <file> | -] [--json | --jsonl]

Prints the catalog entries a raw failure message matches (best first), with meaning, what to do
and the documentation link, and any error codes the catalog does not know.

--file and "-" (standard input) read JSON Lines with a "message" field, a JSON array, or plain
text with one message per block of lines (blocks separated by a blank line, so a pasted
multi-line error stays whole).

--jsonl streams: one JSON object per input line, in input order (a JSON line's "id" kept, else
its line number), each written as soon as it is matched. Reads standard input unless --file.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        file: { type: 'string' },
        json: { type: 'boolean', default: false },
        jsonl: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    if (values.json && values.jsonl) {
      writeLine(io.stderr, 'match: give --json or --jsonl, not both');
      return 2;
    }
    if (values.jsonl) {
      if (positionals.length > 0 && !(positionals.length === 1 && positionals[0] === '-')) {
        writeLine(io.stderr, 'match: --jsonl reads --file <file> or standard input, not a message argument');
        return 2;
      }
      if (!values.file) return streamJsonl(io.stdin, io);
      const input = createReadStream(resolve(io.cwd, values.file));
      const opened = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
        input.once('open', () => done(undefined));
        input.once('error', (err) => done(err));
      });
      if (opened) {
        writeLine(io.stderr, `match: cannot read ${values.file}: ${opened.code ?? String(opened)}`);
        return 2;
      }
      return streamJsonl(input, io);
    }
    let messages: string[];
    const from = values.file ?? (positionals[0] === '-' ? '-' : undefined);
    if (from !== undefined) {
      const read = await readInput(io, from, 'match');
      if ('code' in read) return read.code;
      messages = messagesOf(read.text);
    } else if (positionals.length > 0) messages = [positionals.join(' ')];
    else {
      writeLine(io.stderr, 'match: give a message, --file <file> or - for standard input');
      return 2;
    }
    const results: { message: string; result: MatchResult }[] = messages.map((m) => ({
      message: m,
      result: match(m),
    }));
    if (values.json) {
      const out = results.map(({ message, result }) => ({
        message,
        matches: matchJson(result).matches,
        unrecognised: result.unrecognised,
      }));
      writeLine(io.stdout, JSON.stringify(out, null, 2));
      return 0;
    }
    let matched = 0;
    for (const { message, result } of results) {
      const [first = '', ...more] = message.split('\n');
      writeLine(
        io.stdout,
        `> ${terminalSafe(truncate(first, 200))}${more.length > 0 ? ` (+${String(more.length)} more line(s))` : ''}`,
      );
      const best = result.matches[0];
      if (best) {
        matched++;
        for (const line of bestMatchLines(result)) writeLine(io.stdout, line);
      } else writeLine(io.stdout, '  No catalog entry matched.');
      if (result.unrecognised.length > 0)
        writeLine(
          io.stdout,
          `  Not in the catalog: ${result.unrecognised.map((c) => terminalSafe(c)).join(', ')}`,
        );
      writeLine(io.stdout);
    }
    writeLine(io.stdout, `${matched} of ${results.length} message(s) matched a catalog entry.`);
    return 0;
  },
};

export const explainCommand: CliCommand = {
  name: 'explain',
  summary: 'Explain one AKS error code from the catalog (or what a message matches)',
  help: `Usage: aks-alert-enricher explain <code | message> [--json]

Prints the catalog entry for a code or any of its spellings (case-insensitive). Text that is not
a code is matched as a failure message, as 'match' does.

  --json   print the entry (or the matches) as JSON

Exit status: 0 found; 1 neither a code nor a message the catalog knows; 2 nothing given.`,
  run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    const code = positionals.join(' ').trim();
    if (!code) {
      writeLine(io.stderr, 'explain: give an error code, e.g. explain SubnetIsFull');
      return Promise.resolve(EXIT.usage);
    }
    const entry = findEntry(code);
    if (entry) {
      if (values.json) writeLine(io.stdout, JSON.stringify(entry, null, 2));
      else {
        for (const line of describeEntry(entry)) writeLine(io.stdout, line);
        writeLine(io.stdout, `  Upstream rows: ${entry.upstreamRows.join(' | ')}`);
      }
      return Promise.resolve(EXIT.ok);
    }
    // Not a code: free text ("quota exceeded for Standard_D4s_v5") is matched as a message.
    const result = match(code);
    const best = result.matches[0];
    if (values.json) {
      writeLine(
        io.stdout,
        JSON.stringify(
          {
            query: code,
            entry: null,
            ...matchJson(result),
          },
          null,
          2,
        ),
      );
      return Promise.resolve(best ? EXIT.ok : EXIT.problems);
    }
    if (best) {
      writeLine(
        io.stdout,
        `${terminalSafe(truncate(code, 80))} is not a code in the catalog; as a message it matches:`,
      );
      for (const line of bestMatchLines(result)) writeLine(io.stdout, line);
      return Promise.resolve(EXIT.ok);
    }
    const near = allEntries()
      .filter((e) => e.code.toLowerCase().includes(code.toLowerCase().slice(0, 6)))
      .map((e) => e.code)
      .slice(0, 5);
    writeLine(
      io.stderr,
      `explain: ${terminalSafe(truncate(code, 80))} is not in the catalog and matches no entry as a message${near.length > 0 ? ` (close: ${near.join(', ')})` : ''}`,
    );
    return Promise.resolve(EXIT.problems);
  },
};

function toMarkdownTable(entries: readonly CatalogEntry[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
  const rows = entries.map(
    (e) =>
      `| ${cell(e.code)} | ${e.category} | ${e.severity} | ${cell(e.meaning)} | ${cell(e.mitigation)} | [docs](${e.docUrl}) |`,
  );
  return [
    '| Code | Category | Severity | Meaning | What to do | Docs |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

export const catalogExportCommand: CliCommand = {
  name: 'catalog export',
  summary: 'Export the whole error-code catalog as JSON or Markdown',
  help: `Usage: aks-alert-enricher catalog export [--format json|md] [--json]

Prints every catalog entry: JSON (the default; --json says the same) or a Markdown table.`,
  run(args, io) {
    const { values } = parseArgs({
      args,
      options: { format: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    if (values.json && values.format !== undefined && values.format !== 'json') {
      writeLine(io.stderr, `catalog export: --json and --format ${values.format} disagree`);
      return Promise.resolve(EXIT.usage);
    }
    values.format ??= 'json';
    if (values.format !== 'json' && values.format !== 'md') {
      writeLine(io.stderr, `catalog export: --format must be json or md (got ${values.format})`);
      return Promise.resolve(2);
    }
    const entries = allEntries();
    writeLine(
      io.stdout,
      values.format === 'md' ? toMarkdownTable(entries) : JSON.stringify(entries, null, 2),
    );
    return Promise.resolve(0);
  },
};
