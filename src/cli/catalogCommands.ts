import { truncate } from '../text.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CatalogEntry, MatchResult } from '../catalog/index.js';
import { allEntries, findEntry, match } from '../catalog/index.js';
import { terminalSafe } from '../render/toConsoleText.js';
import type { CliCommand, CliIo } from './command.js';
import { writeLine } from './command.js';

function describeEntry(e: CatalogEntry): string[] {
  return [
    `${e.code} — ${e.title} [${e.category}, ${e.severity}]`,
    ...(e.aliases.length > 0 ? [`  Also: ${e.aliases.join(', ')}`] : []),
    `  Meaning: ${e.meaning}`,
    `  What to do: ${e.mitigation}`,
    `  Docs: ${e.docUrl}`,
  ];
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

async function readStdin(io: CliIo): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text;
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
    if (values.file) {
      try {
        messages = messagesOf(readFileSync(resolve(io.cwd, values.file), 'utf8'));
      } catch (err) {
        writeLine(
          io.stderr,
          `match: cannot read ${values.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        );
        return 2;
      }
    } else if (positionals[0] === '-') messages = messagesOf(await readStdin(io));
    else if (positionals.length > 0) messages = [positionals.join(' ')];
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
        matches: result.matches.map((m) => ({
          code: m.entry.code,
          matchedText: m.matchedText,
          via: m.via,
          score: m.score,
        })),
        unrecognised: result.unrecognised,
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
        for (const line of describeEntry(best.entry)) writeLine(io.stdout, `  ${line}`);
        if (result.matches.length > 1)
          writeLine(
            io.stdout,
            `    Also matched: ${result.matches
              .slice(1)
              .map((m) => m.entry.code)
              .join(', ')}`,
          );
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
  summary: 'Explain one AKS error code from the catalog',
  help: 'Usage: aks-alert-enricher explain <code>\n\nPrints the catalog entry for a code or any of its spellings (case-insensitive).',
  run(args, io) {
    const code = args.join(' ').trim();
    if (!code) {
      writeLine(io.stderr, 'explain: give an error code, e.g. explain SubnetIsFull');
      return Promise.resolve(2);
    }
    const entry = findEntry(code);
    if (!entry) {
      const near = allEntries()
        .filter((e) => e.code.toLowerCase().includes(code.toLowerCase().slice(0, 6)))
        .map((e) => e.code)
        .slice(0, 5);
      writeLine(
        io.stderr,
        `explain: ${terminalSafe(code)} is not in the catalog${near.length > 0 ? ` (close: ${near.join(', ')})` : ''}`,
      );
      return Promise.resolve(1);
    }
    for (const line of describeEntry(entry)) writeLine(io.stdout, line);
    writeLine(io.stdout, `  Upstream rows: ${entry.upstreamRows.join(' | ')}`);
    return Promise.resolve(0);
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
  help: 'Usage: aks-alert-enricher catalog export [--format json|md]',
  run(args, io) {
    const { values } = parseArgs({ args, options: { format: { type: 'string', default: 'json' } } });
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
