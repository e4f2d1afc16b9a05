import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '#config/errors';
import {
  DEFAULT_MAX_LENGTH,
  formConfigSchema,
  formsConfigSchema,
  isOrigin,
  isRedirectTarget,
} from '#config/forms';
import { contactFormInput } from './fixtures.ts';

const parseForms = (input: unknown) => parseConfig(formsConfigSchema, input, 'forms');

/** Validates through the forms schema and returns the thrown error's message (or fails the test). */
function configError(input: unknown): string {
  try {
    parseForms(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the forms config to be rejected');
}

describe('forms config', () => {
  it('given a minimal valid form, when parsed, then defaults are applied', () => {
    // Arrange / Act
    const [form] = parseForms([contactFormInput]);

    // Assert
    expect(form?.minFillMs).toBe(2500);
    expect(form?.honeypotField).toBe('website');
    expect(form?.doubleOptIn).toBe(false);
    expect(form?.channel).toBe('inbound_web');
    expect(form?.locale).toBe('ja');
    expect(form?.consent.required).toBe(true);
    expect(form?.behaviourEvent).toEqual({ type: 'form_submitted', properties: { formId: 'contact' } });
    expect(form?.fields.find((f) => f.name === 'company')?.maxLength).toBe(DEFAULT_MAX_LENGTH.text);
    expect(form?.fields.find((f) => f.name === 'session')?.label).toBe('session');
  });

  it('given select options as plain strings, when parsed, then each becomes a value/label pair', () => {
    const [form] = parseForms([contactFormInput]);

    expect(form?.fields.find((f) => f.name === 'employees')?.options).toEqual([
      { value: '1-49', label: '1〜49名' },
      { value: '50-299', label: '50-299' },
    ]);
  });

  it('given a misspelled field type, when parsed, then the error names the field path', () => {
    const input = [{ ...contactFormInput, fields: [{ name: 'email', type: 'emial', attribute: 'email' }] }];

    expect(configError(input)).toContain('forms[0].fields[0].type');
  });

  it('given an unknown attribute, when parsed, then the error names the attribute path', () => {
    const fields = [...contactFormInput.fields, { name: 'fax', type: 'text', attribute: 'fax' }];

    expect(configError([{ ...contactFormInput, fields }])).toContain('forms[0].fields[9].attribute');
  });

  it('given a typo in a form key, when parsed, then the strict object rejects it', () => {
    expect(configError([{ ...contactFormInput, thankyouUrl: '/x' }])).toMatch(/forms\[0\].*thankyouUrl/);
  });

  it('given two forms with the same id, when parsed, then the duplicate id is reported', () => {
    expect(configError([contactFormInput, contactFormInput])).toContain('forms[1].id: duplicate form id');
  });

  it('given duplicate field names, when parsed, then the second one is reported', () => {
    const fields = [...contactFormInput.fields, { name: 'company', type: 'text' }];

    expect(configError([{ ...contactFormInput, fields }])).toContain('forms[0].fields[9].name');
  });

  it('given a select without options, when parsed, then options is named', () => {
    const fields = [...contactFormInput.fields, { name: 'industry', type: 'select', attribute: 'industry' }];

    expect(configError([{ ...contactFormInput, fields }])).toContain('forms[0].fields[9].options');
  });

  it('given a form without an email field, when parsed, then fields is named', () => {
    const fields = contactFormInput.fields.filter((f) => f.name !== 'email');

    expect(configError([{ ...contactFormInput, fields }])).toContain(
      'forms[0].fields: a form needs an email field',
    );
  });

  it('given required consent but no consent checkbox, when parsed, then consent.required is named', () => {
    const fields = contactFormInput.fields.filter((f) => f.name !== 'consent');

    expect(configError([{ ...contactFormInput, fields }])).toContain('forms[0].consent.required');
  });

  it('given a tracking field name used as a form field, when parsed, then the name is refused', () => {
    const fields = [...contactFormInput.fields, { name: 'utm_source', type: 'hidden' }];

    expect(configError([{ ...contactFormInput, fields }])).toContain('forms[0].fields[9].name');
  });

  it('given an origin with a path, when parsed, then allowedOrigins is named', () => {
    const input = [{ ...contactFormInput, allowedOrigins: ['https://www.example.co.jp/'] }];

    expect(configError(input)).toContain('forms[0].allowedOrigins[0]');
  });

  it('given a protocol-relative thank-you URL, when parsed, then thankYouUrl is named', () => {
    expect(configError([{ ...contactFormInput, thankYouUrl: '//evil.example/x' }])).toContain(
      'forms[0].thankYouUrl',
    );
  });

  it('given an unknown auto-reply template, when parsed, then autoReplyTemplateId is named', () => {
    expect(configError([{ ...contactFormInput, autoReplyTemplateId: 'doi-confirm' }])).toContain(
      'forms[0].autoReplyTemplateId',
    );
  });

  it('given the honeypot named like a real field, when parsed, then honeypotField is named', () => {
    expect(formConfigSchema.safeParse({ ...contactFormInput, honeypotField: 'company' }).success).toBe(false);
    expect(configError([{ ...contactFormInput, honeypotField: 'company' }])).toContain(
      'forms[0].honeypotField',
    );
  });
});

describe('origin and redirect checks', () => {
  it.each([
    ['https://www.example.co.jp', true],
    ['http://localhost:3000', true],
    ['http://127.0.0.1:8080', true],
    ['http://www.example.co.jp', false],
    ['https://www.example.co.jp/', false],
    ['https://www.example.co.jp/path', false],
    ['*', false],
  ])('given %s, when checked as an origin, then it is %s', (value, expected) => {
    expect(isOrigin(value)).toBe(expected);
  });

  it.each([
    ['/examples/thank-you.html', true],
    ['https://www.example.co.jp/thanks?x=1', true],
    ['//evil.example', false],
    ['/\\evil.example', false],
    ['javascript:alert(1)', false],
    ['thanks.html', false],
  ])('given %s, when checked as a redirect target, then it is %s', (value, expected) => {
    expect(isRedirectTarget(value)).toBe(expected);
  });
});
