import { describe, expect, it } from 'vitest';
import { consentRecord } from '#domain/capture/form-config';
import {
  buildSubmissionSchema,
  FormBodyError,
  MAX_SUBMISSION_KEYS,
  MAX_URLENCODED_PAIRS,
  multiValuedFields,
  type ParsedSubmission,
  parseSubmission,
  parseUrlEncoded,
} from '#domain/capture/forms';
import { contactForm, validRaw } from './fixtures.ts';

const NOW = Date.UTC(2025, 3, 1, 1, 0, 0);
const form = contactForm();

function errorsOf(result: ParsedSubmission) {
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

function okOf(result: ParsedSubmission) {
  if (!result.ok) throw new Error(`expected success: ${JSON.stringify(result.errors)}`);
  return result;
}

describe('parseUrlEncoded', () => {
  it('given percent-encoded UTF-8 Japanese values and + for spaces, when parsed, then the text is decoded', () => {
    // Arrange
    const body =
      'company=%E6%A0%AA%E5%BC%8F%E4%BC%9A%E7%A4%BE+%E3%82%B5%E3%83%B3%E3%83%97%E3%83%AB&lastName=%E5%B1%B1%E7%94%B0';

    // Act
    const raw = parseUrlEncoded(body);

    // Assert
    expect(raw).toEqual({ company: '株式会社 サンプル', lastName: '山田' });
  });

  it('given a form on a Shift_JIS page (percent-encoded Shift_JIS bytes, no charset in the header), when parsed, then the Japanese is read as Shift_JIS, not stored as U+FFFD', () => {
    // Arrange: 山田 / 太郎 / 株式会社 as a Shift_JIS page's browser encodes them; the address is ASCII.
    const body =
      'lastName=%8ER%93c&firstName=%91%BE%98Y&company=%8A%94%8E%AE%89%EF%8E%D0&email=a%40example.co.jp';

    // Act
    const raw = parseUrlEncoded(body);

    // Assert
    expect(raw).toEqual({
      lastName: '山田',
      firstName: '太郎',
      company: '株式会社',
      email: 'a@example.co.jp',
    });
  });

  it('given a form on an EUC-JP page, when parsed, then the Japanese is read as EUC-JP, neither U+FFFD nor half-width kana', () => {
    // 渡辺 (C5 CF CA D5, "ﾅﾏﾊﾕ" if read as Shift_JIS), 東京 (C5 EC B5 FE), 株式会社
    const body = 'lastName=%C5%CF%CA%D5&company=%C5%EC%B5%FE%B3%F4%BC%B0%B2%F1%BC%D2&email=a%40example.co.jp';

    expect(parseUrlEncoded(body)).toEqual({
      lastName: '渡辺',
      company: '東京株式会社',
      email: 'a@example.co.jp',
    });
  });

  it('given bytes that are neither UTF-8 nor Shift_JIS, when parsed, then a FormBodyError names the problem instead of storing U+FFFD', () => {
    expect(() => parseUrlEncoded('lastName=%FF%FF&email=a%40example.co.jp')).toThrow(/UTF-8/);
  });

  it('given raw (not percent-encoded) UTF-8 text and malformed escapes, when parsed, then they read as URLSearchParams reads them', () => {
    expect(parseUrlEncoded('lastName=山田&note=100%&x=%zz')).toEqual({
      lastName: '山田',
      note: '100%',
      x: '%zz',
    });
  });

  it('given a repeated key, when parsed, then the last value wins', () => {
    expect(parseUrlEncoded('company=A&company=B')).toEqual({ company: 'B' });
  });

  it('given a repeated checkbox key listed as multi-valued, when parsed, then all values are kept in order', () => {
    expect(parseUrlEncoded('consent=0&consent=on', { multiValued: multiValuedFields(form) })).toEqual({
      consent: ['0', 'on'],
    });
  });

  it('given a __proto__ key, when parsed, then it is an own property and the prototype is untouched', () => {
    const raw = parseUrlEncoded('__proto__=x&a=1');

    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
    expect(Object.hasOwn(raw, '__proto__')).toBe(true);
  });

  it('given more pairs than allowed, when parsed, then a FormBodyError is thrown', () => {
    const body = Array.from({ length: MAX_URLENCODED_PAIRS + 1 }, (_, i) => `k${i}=v`).join('&');

    expect(() => parseUrlEncoded(body)).toThrow(FormBodyError);
  });
});

describe('parseSubmission: valid posts', () => {
  it('given a url-encoded Japanese contact post, when parsed, then attributes, email key and consent are returned', () => {
    // Arrange
    const body = [
      'lastName=%E5%B1%B1%E7%94%B0',
      'firstName=%E5%A4%AA%E9%83%8E',
      'company=%E6%A0%AA%E5%BC%8F%E4%BC%9A%E7%A4%BE%E3%82%B5%E3%83%B3%E3%83%97%E3%83%AB',
      'email=Taro.Yamada%EF%BC%A0Example.CO.JP',
      'employees=1-49',
      'message=%E3%81%8A%E8%A6%8B%E7%A9%8D%E3%82%82%E3%82%8A%0D%0A%E3%81%8A%E9%A1%98%E3%81%84',
      'consent=on',
      'website=',
      '_startedAt=',
    ].join('&');
    const raw = parseUrlEncoded(body, { multiValued: multiValuedFields(form) });

    // Act
    const result = okOf(parseSubmission(form, raw, NOW));

    // Assert
    expect(result.attributes).toEqual({
      lastName: '山田',
      firstName: '太郎',
      company: '株式会社サンプル',
      email: 'Taro.Yamada@example.co.jp',
      employees: '1-49',
      message: 'お見積もり\r\nお願い',
    });
    expect(result.email).toBe('Taro.Yamada@example.co.jp');
    expect(result.emailKey).toBe('taro.yamada@example.co.jp');
    expect(result.consent).toBe(true);
    expect(result.spam).toBeNull();
    expect(result.spamNote).toBe('started_at_missing');
  });

  it('given surrounding spaces (including full-width), when parsed, then values are trimmed', () => {
    const result = okOf(parseSubmission(form, validRaw({ company: '\u3000株式会社サンプル ' }), NOW));

    expect(result.attributes.company).toBe('株式会社サンプル');
  });

  it('given empty optional fields, when parsed, then they are left out of the attributes', () => {
    const result = okOf(parseSubmission(form, validRaw({ phone: '', employees: '', message: '  ' }), NOW));

    expect(Object.keys(result.attributes).sort()).toEqual(['company', 'email', 'firstName', 'lastName']);
  });

  it('given unknown fields, when parsed, then they are ignored', () => {
    const result = okOf(parseSubmission(form, validRaw({ isAdmin: 'true', leadId: 'x' }), NOW));

    expect(result.attributes).not.toHaveProperty('isAdmin');
    expect(result.extra).not.toHaveProperty('isAdmin');
  });

  it('given a non-attribute hidden field, when parsed, then its value is returned as extra', () => {
    const result = okOf(parseSubmission(form, validRaw({ session: '2025-05-20' }), NOW));

    expect(result.extra).toEqual({ session: '2025-05-20' });
  });

  it('given a Japanese phone number with full-width digits and a long-vowel dash, when parsed, then it is accepted as given', () => {
    const result = okOf(parseSubmission(form, validRaw({ phone: '０３ー１２３４ー５６７８' }), NOW));

    expect(result.attributes.phone).toBe('０３ー１２３４ー５６７８');
  });

  it('given a JSON post with booleans and a numeric field, when parsed, then they are accepted', () => {
    const result = okOf(parseSubmission(form, validRaw({ consent: true, phone: 312345678 }), NOW));

    expect(result.consent).toBe(true);
    expect(result.attributes.phone).toBe('312345678');
  });

  it('given tracking fields, when parsed, then UTM, landing URL, referrer and anonymous id are returned', () => {
    const raw = validRaw({
      _anonymousId: '6f1c1b1e-8d1e-4b5e-9a55-0d2c1f0b9a11',
      _startedAt: String(NOW - 10_000),
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: '春のキャンペーン',
      utm_term: '',
      _landingUrl: 'https://www.example.co.jp/lp?utm_source=google',
      _referrer: 'https://www.google.com/',
    });

    const result = okOf(parseSubmission(form, raw, NOW));

    expect(result.tracking).toEqual({
      anonymousId: '6f1c1b1e-8d1e-4b5e-9a55-0d2c1f0b9a11',
      startedAt: NOW - 10_000,
      utm: { source: 'google', medium: 'cpc', campaign: '春のキャンペーン' },
      landingUrl: 'https://www.example.co.jp/lp?utm_source=google',
      referrer: 'https://www.google.com/',
    });
  });

  it('given malformed tracking fields, when parsed, then they are dropped without failing the post', () => {
    const raw = validRaw({
      _anonymousId: '<script>',
      _landingUrl: 'javascript:alert(1)',
      _referrer: 'not a url',
      utm_source: 'x'.repeat(500),
      utm_medium: 'a\nb',
    });

    const result = okOf(parseSubmission(form, raw, NOW));

    expect(result.tracking).toEqual({ utm: {} });
  });
});

describe('parseSubmission: field errors', () => {
  it('given missing required fields, when parsed, then each one is reported by name with a Japanese message', () => {
    const errors = errorsOf(parseSubmission(form, { email: 'taro@example.co.jp', consent: 'on' }, NOW));

    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['lastName', 'required'],
      ['firstName', 'required'],
      ['company', 'required'],
    ]);
    expect(errors[2]?.message).toBe('「会社名」を入力してください。');
  });

  it('given a value longer than maxLength in characters, when parsed, then too_long names the field', () => {
    const errors = errorsOf(parseSubmission(form, validRaw({ lastName: '山'.repeat(11) }), NOW));

    expect(errors).toEqual([
      { field: 'lastName', code: 'too_long', message: '「姓」は10文字以内で入力してください。' },
    ]);
  });

  it('given exactly maxLength kanji (including astral characters), when parsed, then it is accepted', () => {
    const result = parseSubmission(form, validRaw({ lastName: '𠮷'.repeat(10) }), NOW);

    expect(result.ok).toBe(true);
  });

  it('given a select value that is not an option, when parsed, then invalid_option is reported', () => {
    const errors = errorsOf(parseSubmission(form, validRaw({ employees: '10000+' }), NOW));

    expect(errors.map((e) => [e.field, e.code])).toEqual([['employees', 'invalid_option']]);
  });

  it('given the consent checkbox unticked, when consent is required, then consent_required is reported', () => {
    const errors = errorsOf(parseSubmission(form, validRaw({ consent: undefined }), NOW));

    expect(errors.map((e) => [e.field, e.code])).toEqual([['consent', 'consent_required']]);
  });

  it.each([['0'], ['false'], [''], [false], [['0']]])(
    'given a consent value of %j, when consent is required, then it counts as unticked',
    (consent) => {
      expect(parseSubmission(form, validRaw({ consent }), NOW).ok).toBe(false);
    },
  );

  it('given a hidden 0 plus a ticked checkbox, when parsed, then consent is true', () => {
    const result = okOf(parseSubmission(form, validRaw({ consent: ['0', 'on'] }), NOW));

    expect(result.consent).toBe(true);
  });

  it('given optional consent, when the box is unticked, then the post is accepted with consent false', () => {
    const optional = contactForm({
      consent: { purpose: 'marketing_email', text: '同意', version: 'v1', required: false },
    });

    const result = okOf(parseSubmission(optional, validRaw({ consent: undefined }), NOW));

    expect(result.consent).toBe(false);
  });

  it('given a bad email address, when parsed, then invalid_email is reported on the email field', () => {
    const errors = errorsOf(parseSubmission(form, validRaw({ email: 'taro@localhost' }), NOW));

    expect(errors.map((e) => [e.field, e.code])).toEqual([['email', 'invalid_email']]);
  });

  it('given letters in the phone field, when parsed, then invalid_phone is reported', () => {
    const errors = errorsOf(parseSubmission(form, validRaw({ phone: 'call me' }), NOW));

    expect(errors.map((e) => e.code)).toEqual(['invalid_phone']);
  });

  it('given a newline in a single-line field, when parsed, then invalid_characters is reported', () => {
    const errors = errorsOf(parseSubmission(form, validRaw({ company: 'A\r\nBcc: x@example.com' }), NOW));

    expect(errors.map((e) => [e.field, e.code])).toEqual([['company', 'invalid_characters']]);
  });

  it('given a control character in a textarea, when parsed, then it is refused while newlines are allowed', () => {
    expect(parseSubmission(form, validRaw({ message: 'a\nb' }), NOW).ok).toBe(true);
    const errors = errorsOf(parseSubmission(form, validRaw({ message: 'a\u0000b' }), NOW));
    expect(errors.map((e) => e.code)).toEqual(['invalid_characters']);
  });

  it('given an array or object for a text field, when parsed, then invalid_type is reported', () => {
    const errors = errorsOf(
      parseSubmission(form, validRaw({ company: ['A', 'B'], lastName: { x: 1 } }), NOW),
    );

    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['lastName', 'invalid_type'],
      ['company', 'invalid_type'],
    ]);
  });

  it('given too many keys, when parsed, then the whole post is refused with _form', () => {
    const raw = validRaw(
      Object.fromEntries(Array.from({ length: MAX_SUBMISSION_KEYS }, (_, i) => [`x${i}`, 'y'])),
    );

    const errors = errorsOf(parseSubmission(form, raw, NOW));

    expect(errors).toEqual([expect.objectContaining({ field: '_form', code: 'too_many_fields' })]);
  });

  it('given a body that is not an object, when parsed, then invalid_body is reported on _form', () => {
    const errors = errorsOf(parseSubmission(form, ['x'], NOW));

    expect(errors.map((e) => [e.field, e.code])).toEqual([['_form', 'invalid_body']]);
  });

  it('given an English form, when a field is missing, then the message is English and names the label', () => {
    const english = contactForm({ locale: 'en' });

    const errors = errorsOf(parseSubmission(english, validRaw({ company: '' }), NOW));

    expect(errors[0]?.message).toBe('会社名 is required.');
  });
});

describe('parseSubmission: spam', () => {
  it('given a filled honeypot and otherwise valid fields, when parsed, then it succeeds with spam honeypot', () => {
    const result = okOf(parseSubmission(form, validRaw({ website: 'http://spam.example' }), NOW));

    expect(result.spam).toBe('honeypot');
  });

  it('given a post one second after render, when parsed, then spam is too_fast', () => {
    const result = okOf(parseSubmission(form, validRaw({ _startedAt: String(NOW - 1000) }), NOW));

    expect(result.spam).toBe('too_fast');
  });

  it('given a filled honeypot but an invalid field, when parsed, then the ordinary field error is returned', () => {
    const result = parseSubmission(form, validRaw({ website: 'x', company: '' }), NOW);

    expect(result.ok).toBe(false);
  });
});

describe('buildSubmissionSchema', () => {
  it('given the same form twice, when built, then the cached schema is reused', () => {
    expect(buildSubmissionSchema(form)).toBe(buildSubmissionSchema(form));
  });

  it('given a form, when its schema parses a valid post, then the output carries no spam verdict', () => {
    const parsed = buildSubmissionSchema(form).parse(validRaw());

    expect(parsed.emailKey).toBe('taro.yamada@example.co.jp');
    expect(parsed).not.toHaveProperty('spam');
  });

  it('given a field made required in config, when the schema parses a post without it, then it fails on that path', () => {
    const strict = contactForm({
      fields: [
        { name: 'email', type: 'email', required: true, attribute: 'email' },
        { name: 'department', type: 'text', required: true, attribute: 'department' },
        { name: 'consent', type: 'checkbox' },
      ],
    });

    const result = buildSubmissionSchema(strict).safeParse({ email: 'a@example.jp', consent: 'on' });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path)).toEqual([['department']]);
  });
});

describe('consentRecord', () => {
  it('given a ticked box, when the record is built, then it names purpose, version, form and context', () => {
    expect(consentRecord(form, true, NOW, { ip: '203.0.113.5', userAgent: 'UA' })).toEqual({
      purpose: 'marketing_email',
      textVersion: 'v1',
      formId: 'contact',
      at: NOW,
      doubleOptIn: false,
      ip: '203.0.113.5',
      userAgent: 'UA',
    });
  });

  it('given an unticked box, when the record is built, then there is none', () => {
    expect(consentRecord(form, false, NOW)).toBeNull();
  });
});
