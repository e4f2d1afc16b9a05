import { describe, expect, it } from 'vitest';
import { ConfigError, parseSettings } from '#config/settings-schema';
import { looksLikeLink, mailSafeAttributes, visitorTextVariables } from '#domain/capture/mail-safety';
import * as values from '../../../config/index.ts';

type Template = (typeof values.templates)[number];

const withContactAutoReply = (html: string) => ({
  ...values,
  templates: values.templates.map((t: Template) =>
    t.id === 'autoreply-contact' ? { ...t, locales: { ja: { subject: 'ありがとうございます', html } } } : t,
  ),
});

describe('capture mail never relays what the visitor typed', () => {
  it('given the shipped config, when validated, then no capture template echoes visitor input', () => {
    expect(() => parseSettings(values)).not.toThrow();
  });

  it('given an auto-reply that repeats the message, when the config is validated, then it fails naming the form and the variable', () => {
    // Arrange
    const input = withContactAutoReply('<p>{{salutation}}</p><p>{{lead.message | "（なし）"}}</p>');
    // Act
    const attempt = () => parseSettings(input);
    // Assert
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/forms\[0\]\.autoReplyTemplateId.*lead\.message/s);
  });

  it('given an auto-reply using the title, when validated, then it is refused too; the salutation fields are allowed', () => {
    expect(() => parseSettings(withContactAutoReply('<p>{{lead.title}}</p>'))).toThrow(/lead\.title/);
    expect(() =>
      parseSettings(withContactAutoReply('<p>{{lead.company}} {{lead.lastName}}様 {{salutation}}</p>')),
    ).not.toThrow();
    expect(visitorTextVariables([['lead', 'message'], ['lead', 'company'], ['formName'], ['lead']])).toEqual([
      'lead.message',
      'lead',
    ]);
  });

  it('given names and companies carrying links, when made mail-safe, then those values are left out', () => {
    expect(
      mailSafeAttributes({
        lastName: '山田',
        firstName: 'visit http://evil.example',
        company: 'www.spam.example',
        message: 'hello',
        title: '部長',
      }),
    ).toEqual({ lastName: '山田' });
    expect(mailSafeAttributes({ company: '株式会社テスト商事', lastName: 'Smith', firstName: 'J.' })).toEqual(
      {
        company: '株式会社テスト商事',
        lastName: 'Smith',
        firstName: 'J.',
      },
    );
    for (const link of [
      'evil.com',
      'ｅｖｉｌ．ｃｏｍ',
      'a@b',
      'https://x',
      'buy at shop.example/now',
      'xn--abc.xn--p1ai',
    ])
      expect(looksLikeLink(link)).toBe(true);
    for (const name of ['Example Co., Ltd.', 'K.K.', '山田', 'S.A.']) expect(looksLikeLink(name)).toBe(false);
  });
});
