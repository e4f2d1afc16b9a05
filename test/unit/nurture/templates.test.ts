import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  japaneseSalutation,
  MAX_SUBJECT_LENGTH,
  type MailSender,
  parseTemplate,
  type RenderableTemplate,
  renderMarketingFooter,
  renderString,
  renderTemplate,
  sanitizeSubject,
  TemplateRenderError,
  TemplateSyntaxError,
} from '#domain/nurture/templates';

const sender: MailSender = {
  name: '株式会社サンプル',
  postalAddress: '〒100-0005 東京都千代田区丸の内1-1-1',
};
const unsubscribeUrl = 'https://example.co.jp/u/abc123';
const DECODE: Record<string, string> = { lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`', amp: '&' };

const transactional = (html: string, subject = '件名', text?: string): RenderableTemplate => ({
  id: 't',
  kind: 'transactional',
  defaultLocale: 'ja',
  locales: { ja: { subject, html, ...(text === undefined ? {} : { text }) } },
});

describe('escaping', () => {
  it('given a company name with a script tag and quotes, when rendered into HTML, then it is escaped', () => {
    // Arrange
    const template = transactional('<p title="{{lead.company}}">{{lead.company}}</p>');
    // Act
    const { html } = renderTemplate(template, { lead: { company: '<script>alert("x")</script>' } });
    // Assert
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('"x"');
    expect(html).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>',
    );
  });

  it('given the same value in the text part, when rendered, then it is kept as typed (plain text needs no escaping)', () => {
    const template = transactional('<p>x</p>', '件名', '会社: {{lead.company}}');
    expect(renderTemplate(template, { lead: { company: 'A&B <株>' } }).text).toBe('会社: A&B <株>');
  });

  it('given Japanese text, when rendered, then it is kept intact', () => {
    // Arrange
    const template = transactional(
      '<p>{{lead.company}} {{lead.lastName}}様、資料をお送りします。</p>',
      '【ご案内】{{lead.company}}様',
    );
    // Act
    const mail = renderTemplate(template, { lead: { company: '株式会社サンプル', lastName: '山田' } });
    // Assert
    expect(mail.html).toBe('<p>株式会社サンプル 山田様、資料をお送りします。</p>');
    expect(mail.subject).toBe('【ご案内】株式会社サンプル様');
    expect(mail.text).toBe('株式会社サンプル 山田様、資料をお送りします。');
  });

  it('given any string, when escaped, then no markup character survives and decoding restores it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const escaped = escapeHtml(s);
        const decoded = escaped.replace(/&(lt|gt|quot|#39|#96|amp);/g, (_m, e: string) => DECODE[e] ?? '');
        expect(escaped).not.toMatch(/[<>"'`]/);
        expect(decoded).toBe(s);
        if (s.trim() !== '') expect(renderString('{{v}}', { v: s }, 'html')).toBe(escaped);
      }),
    );
  });
});

describe('fallbacks and salutation', () => {
  it.each([
    ['missing', {}],
    ['empty', { lastName: '' }],
    ['blank', { lastName: '   ' }],
  ])('given the last name is %s, when rendered, then the fallback is used', (_label, lead) => {
    expect(renderString('{{lead.lastName | "ご担当者"}}様', { lead }, 'html')).toBe('ご担当者様');
  });

  it('given a last name, when rendered, then the value wins over the fallback', () => {
    expect(renderString("{{ lead.lastName | 'ご担当者' }}様", { lead: { lastName: '佐藤' } }, 'html')).toBe(
      '佐藤様',
    );
  });

  it.each([
    [{ company: '株式会社サンプル', lastName: '山田' }, '株式会社サンプル 山田様'],
    [{ lastName: '山田' }, '山田様'],
    [{ company: '株式会社サンプル', lastName: ' ' }, '株式会社サンプル ご担当者様'],
    [{}, 'ご担当者様'],
  ])('given lead %o, when the Japanese salutation is built, then it is %s', (lead, expected) => {
    expect(japaneseSalutation(lead)).toBe(expected);
    expect(renderTemplate(transactional('{{salutation}}'), { lead }).html).toBe(expected);
  });

  it('given the English variant, when rendered, then the English salutation is used', () => {
    const template: RenderableTemplate = {
      ...transactional('ja'),
      locales: { ja: { subject: 's', html: 'ja' }, en: { subject: 's', html: 'Dear {{salutation}},' } },
    };
    expect(renderTemplate(template, { lead: { firstName: 'Taro', lastName: 'Yamada' } }, 'en').html).toBe(
      'Dear Taro Yamada,',
    );
  });

  it.each([
    [{ firstName: '太郎', lastName: '山田' }, 'Dear 山田 太郎,'],
    [{ firstName: 'タロウ', lastName: 'ヤマダ' }, 'Dear ヤマダ タロウ,'],
    [{ lastName: '山田' }, 'Dear 山田,'],
    [{ firstName: 'Taro', lastName: 'Yamada' }, 'Dear Taro Yamada,'],
    [{}, 'Dear Sir or Madam,'],
  ])(
    'given a lead named %o and the English variant, when rendered, then the salutation is %s (kanji and kana names family name first)',
    (lead, expected) => {
      const template: RenderableTemplate = {
        ...transactional('ja'),
        locales: { ja: { subject: 's', html: 'ja' }, en: { subject: 's', html: 'Dear {{salutation}},' } },
      };
      expect(renderTemplate(template, { lead }, 'en').html).toBe(expected);
    },
  );

  it('given a locale without a variant, when rendered, then the default locale is used', () => {
    const mail = renderTemplate(transactional('<p>日本語</p>'), {}, 'en');
    expect(mail).toMatchObject({ locale: 'ja', html: '<p>日本語</p>' });
  });

  it('given a path into the prototype, when rendered, then nothing leaks', () => {
    expect(renderString('[{{constructor.name}}][{{lead.__proto__}}]', { lead: {} }, 'html')).toBe('[][]');
  });
});

describe('URLs', () => {
  it('given an https URL in a triple-brace slot, when rendered, then it is output normalized and attribute-safe', () => {
    const html = renderString(
      '<a href="{{{downloadUrl}}}">DL</a>',
      { downloadUrl: 'https://ex.com/a?x=1&y="2"' },
      'html',
    );
    expect(html).toBe('<a href="https://ex.com/a?x=1&amp;y=%222%22">DL</a>');
  });

  it.each(['javascript:alert(1)', 'data:text/html,<b>x</b>', 'not a url'])(
    'given %s in a URL slot, when rendered, then it is dropped',
    (value) => {
      expect(renderString('<a href="{{{confirmUrl}}}">x</a>', { confirmUrl: value }, 'html')).toBe(
        '<a href="">x</a>',
      );
      expect(renderString('<a href="{{confirmUrl}}">x</a>', { confirmUrl: value }, 'html')).toBe(
        '<a href="">x</a>',
      );
    },
  );

  it('given the HTML has no text part, when rendered, then one is generated with links spelled out', () => {
    // Arrange
    const template = transactional(
      '<html><head><style>p{color:red}</style></head><body><h1>ご案内</h1><p>資料は<a href="{{{downloadUrl}}}">こちら</a>です。<br>よろしくお願いいたします。</p><ul><li>一</li><li>二</li></ul></body></html>',
    );
    // Act
    const { text } = renderTemplate(template, { downloadUrl: 'https://ex.com/d' });
    // Assert
    expect(text).toBe(
      'ご案内\n\n資料はこちら (https://ex.com/d)です。\nよろしくお願いいたします。\n\n・一\n・二',
    );
  });
});

describe('subjects', () => {
  it('given a value with CR/LF, when it reaches the subject, then the subject stays one line', () => {
    const template = transactional('<p>x</p>', '{{lead.company}}様へのご案内');
    const { subject } = renderTemplate(template, { lead: { company: 'ACME\r\nBcc: victim@example.com' } });
    expect(subject).toBe('ACME Bcc: victim@example.com様へのご案内');
  });

  it('given any values, when sanitized, then a subject never has control characters and stays bounded', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        const subject = sanitizeSubject(s);
        expect(subject).not.toMatch(/[\r\n\t\u2028\u2029]/);
        expect(Array.from(subject).length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
      }),
    );
  });

  it('given a very long Japanese subject, when sanitized, then it is cut with an ellipsis on a character boundary', () => {
    const subject = sanitizeSubject('あ'.repeat(300));
    expect(subject).toBe(`${'あ'.repeat(MAX_SUBJECT_LENGTH - 1)}…`);
  });
});

describe('marketing footer', () => {
  const marketing: RenderableTemplate = {
    ...transactional('<html><body><p>本文</p></body></html>'),
    kind: 'marketing',
  };

  it('given a marketing template, when rendered, then the sender, postal address and unsubscribe link are appended', () => {
    // Act
    const mail = renderTemplate(marketing, { unsubscribeUrl }, 'ja', { sender });
    // Assert
    expect(mail.html).toMatch(
      /<p>本文<\/p><hr[^>]*><p[^>]*>.*株式会社サンプル.*〒100-0005.*<\/p><\/body><\/html>$/s,
    );
    expect(mail.html).toContain(`<a href="${unsubscribeUrl}">配信停止はこちら</a>`);
    expect(mail.text).toContain('株式会社サンプル\n〒100-0005 東京都千代田区丸の内1-1-1');
    expect(mail.text).toContain(`配信停止はこちら: ${unsubscribeUrl}`);
  });

  it('given a marketing template without sender or unsubscribe URL, when rendered, then it refuses', () => {
    expect(() => renderTemplate(marketing, { unsubscribeUrl }, 'ja')).toThrow(TemplateRenderError);
    expect(() => renderTemplate(marketing, {}, 'ja', { sender })).toThrow(TemplateRenderError);
    expect(() => renderMarketingFooter(sender, 'javascript:alert(1)')).toThrow(TemplateRenderError);
  });

  it('given a transactional template, when rendered, then no footer is added', () => {
    const mail = renderTemplate(transactional('<p>本文</p>'), { unsubscribeUrl }, 'ja', { sender });
    expect(mail.html).toBe('<p>本文</p>');
  });

  it('given a sender name with markup, when the footer is built, then it is escaped', () => {
    const footer = renderMarketingFooter({ ...sender, name: '<b>Evil</b>' }, unsubscribeUrl, 'en');
    expect(footer.html).toContain('&lt;b&gt;Evil&lt;/b&gt;');
    expect(footer.text).toContain('Unsubscribe: https://example.co.jp/u/abc123');
  });
});

describe('syntax', () => {
  it.each(['{{ lead.first name }}', '{{lead.firstName', 'x }} y', '{{lead.x | fallback}}', '{{}}'])(
    'given %s, when parsed, then a TemplateSyntaxError names the problem',
    (source) => {
      expect(() => parseTemplate(source)).toThrow(TemplateSyntaxError);
    },
  );

  it('given a plain CSS block with single braces, when parsed, then it is text', () => {
    expect(renderString('<style>p { color: red }</style>', {}, 'html')).toBe(
      '<style>p { color: red }</style>',
    );
  });
});
