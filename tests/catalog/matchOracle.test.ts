import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allEntries } from '../../src/catalog/index.js';
import { createMatcher, type MatchResult } from '../../src/catalog/match.js';
import { readSampleFleet } from '../../src/sources/logAnalytics/sampleFleet.js';
import { createReferenceMatcher } from './support/referenceMatcher.js';

const automaton = createMatcher(allEntries());
const reference = createReferenceMatcher(allEntries());

const view = (r: MatchResult) => ({
  matches: r.matches.map((m) => [m.entry.code, m.matchedText, m.index, m.via, m.score]),
  unrecognised: r.unrecognised,
});

const corpus = readFileSync(new URL('../fixtures/catalog/corpus.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => (JSON.parse(line) as { message: string }).message);

const spellings = allEntries().flatMap((e) => [e.code, ...e.aliases]);
const corpusWords = corpus.flatMap((m) => m.split(/(?<=[ .,:;"'])/)).filter((w) => w.length > 0);
/** The pieces that sit on the matcher's edges: contexts, code positions, boundaries. */
const edges = [
  'auto-repair',
  'Node auto-repair reboot action failed due to an operation failure: ',
  'vmssCSE',
  'CSE',
  'xCSE',
  'Custom Script',
  'extension',
  'Enable failed: failed to execute command: command terminated with ',
  'exit status=',
  'exitCode',
  '"exitCode": ',
  'Windows',
  'WINDOWS_CSE_ERROR_',
  'WINDOWS_CSE_ERROR_DOWNLOAD_CNI_PACKAGE',
  'CustomScriptExtension',
  'ExitCode: |',
  '|',
  '{true {OutOfResource ',
  '{OtherError ',
  "CSE failed with '",
  '\\n(',
  '35',
  '78',
  '211',
  '50',
  '51',
  '65',
  '124',
  '5',
  'Code=',
  'code',
  'ErrorCode: ',
  'error_code=',
  'error code ',
  'SubCode: ',
  'status: ',
  '"code": "',
  '\\"code\\": \\"',
  '"',
  '\\"',
  "'",
  '(',
  ')',
  '\n(',
  'ERROR: (',
  'UnknownThing',
  'ReconcileResourceGroupError',
  'DeploymentFailed',
  '_',
  ':',
  '=',
  ' ',
  '\n',
  'é',
];

describe('the automaton-driven matcher agrees with the regular-expression matcher it replaced', () => {
  it('on the real-world corpus and the sample fleet', () => {
    const texts = [...corpus, ...readSampleFleet().signals.flatMap((s) => s.texts)];
    expect(texts.length).toBeGreaterThan(90);
    for (const text of texts) expect(view(automaton.match(text)), text).toEqual(view(reference.match(text)));
  });

  it('on any text assembled from the pieces of real messages, in any case', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(
              { arbitrary: fc.constantFrom(...edges), weight: 6 },
              { arbitrary: fc.constantFrom(...spellings), weight: 3 },
              { arbitrary: fc.constantFrom(...corpusWords), weight: 1 },
            ),
            fc.constantFrom('lower', 'upper', 'as-is'),
            fc.constantFrom('', ' ', '"'),
          ),
          { maxLength: 12 },
        ),
        (parts) => {
          const text = parts
            .map(
              ([f, c, sep]) => (c === 'lower' ? f.toLowerCase() : c === 'upper' ? f.toUpperCase() : f) + sep,
            )
            .join('');
          expect(view(automaton.match(text))).toEqual(view(reference.match(text)));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        expect(view(automaton.match(text))).toEqual(view(reference.match(text)));
      }),
      { numRuns: 1000 },
    );
  });
});
