import { SLACK_LIMITS, blockTextLength } from '../../src/render/toSlackBlocks.js';
import type { SlackBlock, SlackMessage } from '../../src/render/toSlackBlocks.js';

/** Every Slack limit a message must respect, as a list of violations. */
export function slackViolations(message: SlackMessage): string[] {
  const problems: string[] = [];
  if (message.text.length === 0) problems.push('empty fallback text');
  if (message.blocks.length > SLACK_LIMITS.blocks) problems.push(`${String(message.blocks.length)} blocks`);
  if (blockTextLength(message.blocks) > SLACK_LIMITS.totalText) problems.push('total text');
  message.blocks.forEach((b: SlackBlock, i) => {
    const text = (b.text as { text?: string } | undefined)?.text ?? '';
    if (b.type === 'header' && text.length > SLACK_LIMITS.headerText) problems.push(`header ${String(i)}`);
    if (b.type === 'section') {
      if (text.length > SLACK_LIMITS.sectionText) problems.push(`section ${String(i)} text`);
      const fields = (b.fields as { text: string }[] | undefined) ?? [];
      if (fields.length > SLACK_LIMITS.fields) problems.push(`section ${String(i)} fields`);
      for (const f of fields)
        if (f.text.length > SLACK_LIMITS.fieldText) problems.push(`field in ${String(i)}`);
      if (!b.text && fields.length === 0) problems.push(`section ${String(i)} empty`);
    }
    if (b.type === 'context' && (b.elements as unknown[]).length > SLACK_LIMITS.contextElements)
      problems.push(`context ${String(i)}`);
    if (b.type === 'actions') {
      const elements = b.elements as { text?: { text?: string }; url?: string; action_id?: string }[];
      if (elements.length === 0 || elements.length > SLACK_LIMITS.actions)
        problems.push(`actions ${String(i)}`);
      for (const e of elements) {
        if ((e.text?.text ?? '').length > SLACK_LIMITS.buttonText)
          problems.push(`button text in ${String(i)}`);
        if ((e.url ?? '').length > SLACK_LIMITS.buttonUrl) problems.push(`button url in ${String(i)}`);
        if (!e.action_id) problems.push(`button without action_id in ${String(i)}`);
      }
    }
  });
  return problems;
}
