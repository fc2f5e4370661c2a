import { cleanText } from '../text.js';

/**
 * Untrusted text for Slack `mrkdwn` and `plain_text`: Slack treats `<…>` as links and mentions
 * (`<!channel>`, `<@U123>`, `<https://x|label>`) and `&` as the start of an entity, so the three
 * are escaped as Slack asks. A word joiner after `@` keeps a bare `@channel` / `@here` from being
 * turned into a broadcast by a receiver that parses names.
 */
export function slackText(value: string): string {
  return cleanText(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

/** A Slack link `<url|label>`: the URL may not hold `|`, `<` or `>`; the label is escaped. */
export function slackLink(url: string, label: string): string {
  const target = url.replace(/[|<>]/g, (c) => encodeURIComponent(c));
  return `<${target}|${slackText(label).replace(/\|/g, '¦')}>`;
}
