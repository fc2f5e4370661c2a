import { describe, expect, it } from 'vitest';
import { slackLink, slackText } from '../../src/render/slackMrkdwn.js';

describe('slackText', () => {
  it('escapes the three characters Slack parses', () => {
    expect(slackText('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
  });
  it('neutralises mentions and forged links', () => {
    const out = slackText('<!channel> <!here|here> <@U0123> <https://evil.example|Azure portal>');
    expect(out).not.toMatch(/[<>]/);
    expect(out).toContain('&lt;!channel&gt;');
  });
  it('keeps a bare @channel from being parsed as a broadcast', () => {
    expect(slackText('ping @channel and @here')).toBe('ping @\u2060channel and @\u2060here');
  });
  it('strips control characters', () => expect(slackText('a\u0000\u202eb')).toBe('ab'));
});

describe('slackLink', () => {
  it('escapes the label and keeps the URL from closing the link', () => {
    expect(slackLink('https://x.example/a|b>c', 'Docs <!channel> | x')).toBe(
      '<https://x.example/a%7Cb%3Ec|Docs &lt;!channel&gt; ¦ x>',
    );
  });
});
