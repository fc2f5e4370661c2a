import { readFileSync } from 'node:fs';

/** The forms a failure message reaches the matcher in (where it was copied from). */
export const CORPUS_FORMS = [
  'az-cli',
  'arm-json',
  'activity-log',
  'terraform',
  'pulumi',
  'sdk',
  'portal',
  'kubectl',
  'kubectl-event',
  'autoscaler-log',
  'auto-repair-event',
  'cse-output',
  'plain',
] as const;
export type CorpusForm = (typeof CORPUS_FORMS)[number];

/** One labelled message of the corpus (tests/fixtures/catalog/README.md). */
export interface CorpusCase {
  message: string;
  /** Acceptable top matches; empty for a negative (the catalog rightly has no entry). */
  expected: string[];
  /** Codes the catalog lacks that the matcher should report, when labelled. */
  expectedUnrecognised?: string[];
  source: string;
  form: CorpusForm;
  /** Set when the message joins wording and a code its source documents apart. */
  composed?: string;
}

export type Half = 'tune' | 'test';

export interface CorpusSplit {
  rule: string;
  tune: string[];
  test: string[];
}

const fixture = (name: string) => new URL(`../../fixtures/catalog/${name}`, import.meta.url);

export function readCorpus(): CorpusCase[] {
  return readFileSync(fixture('corpus.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CorpusCase);
}

export function readSplit(): CorpusSplit {
  return JSON.parse(readFileSync(fixture('corpus-split.json'), 'utf8')) as CorpusSplit;
}

/** The half a case belongs to, by its source. */
export function halfOf(split: CorpusSplit): (c: CorpusCase) => Half | undefined {
  const tune = new Set(split.tune);
  const test = new Set(split.test);
  return (c) => (tune.has(c.source) ? 'tune' : test.has(c.source) ? 'test' : undefined);
}
