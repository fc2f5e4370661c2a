import { createRequire } from 'node:module';

// The package's ESM build uses extensionless imports Node cannot resolve; its UMD bundle loads fine.
const require = createRequire(import.meta.url);
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/** Element and action types Teams renders in a 1.4 card posted by a Workflows webhook. */
const ELEMENTS = new Set([
  'AdaptiveCard',
  'TextBlock',
  'RichTextBlock',
  'TextRun',
  'Container',
  'ColumnSet',
  'Column',
  'FactSet',
  'Image',
]);
const ACTIONS = new Set(['Action.OpenUrl', 'Action.ShowCard', 'Action.ToggleVisibility']);

/** Every problem the adaptivecards parser (targeting 1.4) reports, plus types Teams would not render. */
export function cardProblems(card: unknown): string[] {
  const problems: string[] = [];
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_4);
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const e of parsed.validateProperties().validationEvents) problems.push(`validate: ${e.message}`);
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${String(i)}]`));
    else if (value && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      if (typeof obj.type === 'string') {
        const t = obj.type;
        if (t.startsWith('Action.') ? !ACTIONS.has(t) : !ELEMENTS.has(t)) problems.push(`${path}: type ${t}`);
      }
      for (const [k, v] of Object.entries(obj)) walk(v, `${path}.${k}`);
    }
  };
  walk(card, '$');
  const version = (card as { version?: unknown }).version;
  if (version !== '1.4') problems.push(`version ${String(version)}`);
  return problems;
}

/** Every string shown as markdown (TextBlock text, Fact title/value) in a card. */
export function markdownTexts(card: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      if (obj.type === 'TextBlock' && typeof obj.text === 'string') out.push(obj.text);
      if (obj.type === 'FactSet' && Array.isArray(obj.facts))
        for (const f of obj.facts as { title?: string; value?: string }[])
          out.push(f.title ?? '', f.value ?? '');
      Object.values(obj).forEach(walk);
    }
  };
  walk(card);
  return out;
}
