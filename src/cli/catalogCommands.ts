import { truncate } from '../text.js';
import { parseArgs } from 'node:util';
import type { CatalogEntry, MatchResult } from '../catalog/index.js';
import { allEntries, findEntry, match } from '../catalog/index.js';
import { terminalSafe } from '../render/toConsoleText.js';
import type { CliCommand } from './command.js';
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

/** Messages from --file: one per line, or JSON Lines with a "message" (or "Message") field. */
function messagesOf(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      if (!line.startsWith('{')) return line;
      try {
        const o = JSON.parse(line) as Record<string, unknown>;
        const m = o.message ?? o.Message;
        return typeof m === 'string' ? m : line;
      } catch {
        return line;
      }
    });
}

export const matchCommand: CliCommand = {
  name: 'match',
  summary: 'Match failure messages against the AKS error-code catalog',
  help: `Usage: aks-alert-enricher match [<message> | --file <file> | -] [--json]

Prints the catalog entries a raw failure message matches (best first), with meaning, what to do
and the documentation link, and any error codes the catalog does not know. --file reads one
message per line, or JSON Lines with a "message" field; "-" reads standard input.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { file: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
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
        ...matchJson(result),
      }));
      writeLine(io.stdout, JSON.stringify(out, null, 2));
      return 0;
    }
    let matched = 0;
    for (const { message, result } of results) {
      writeLine(io.stdout, `> ${terminalSafe(truncate(message, 200))}`);
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
