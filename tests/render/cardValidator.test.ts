import { describe, expect, it } from 'vitest';
import { cardProblems, markdownTexts } from './cardValidator.js';

describe('cardProblems', () => {
  it('reports what the parser reports and what Teams would not render', () => {
    const problems = cardProblems({
      type: 'AdaptiveCard',
      version: '1.5',
      body: [
        { type: 'Table', columns: [] },
        { type: 'TextBlock', text: 'x', size: 'Huge' },
      ],
      actions: [{ type: 'Action.Submit', title: 'go' }],
    });
    expect(problems.some((p) => p.includes('Unknown element type "Table"'))).toBe(true);
    expect(problems.some((p) => p.includes('Invalid value "Huge"'))).toBe(true);
    expect(problems).toContain('$.actions[0]: type Action.Submit');
    expect(problems).toContain('version 1.5');
  });

  it('passes a well-formed 1.4 card', () => {
    expect(
      cardProblems({
        type: 'AdaptiveCard',
        version: '1.4',
        body: [{ type: 'TextBlock', text: 'ok', wrap: true }],
      }),
    ).toEqual([]);
  });

  it('collects markdown-rendered strings', () => {
    expect(
      markdownTexts({
        body: [
          { type: 'TextBlock', text: 'a' },
          { type: 'FactSet', facts: [{ title: 'b', value: 'c' }] },
          { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'd' }] },
        ],
      }),
    ).toEqual(['a', 'b', 'c']);
  });
});
