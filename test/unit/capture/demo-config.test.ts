import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#config/errors';
import { formsConfigSchema } from '#config/forms';
import { forms } from '../../../config/forms.ts';
import { handoff } from '../../../config/handoff.ts';

const html = readFileSync(new URL('../../../examples/landing-page.html', import.meta.url), 'utf8');

describe('demo forms (config/forms.ts)', () => {
  it('given the shipped config, when validated, then contact, whitepaper and webinar parse', () => {
    // Act
    const parsed = parseConfig(formsConfigSchema, forms, 'forms');

    // Assert
    expect(parsed.map((f) => f.id)).toEqual(['contact', 'whitepaper', 'webinar']);
    const byId = new Map(parsed.map((f) => [f.id, f]));
    expect(byId.get('contact')).toMatchObject({ channel: 'inbound_web', doubleOptIn: false });
    expect(byId.get('whitepaper')?.sequenceIds).toEqual(['whitepaper-nurture']);
    expect(byId.get('webinar')).toMatchObject({ channel: 'webinar', doubleOptIn: true });
  });

  it('given every demo form, when its attribute fields are listed, then each field is named after its attribute', () => {
    for (const form of parseConfig(formsConfigSchema, forms, 'forms')) {
      for (const field of form.fields.filter((f) => f.attribute !== undefined)) {
        expect(field.name).toBe(field.attribute);
      }
    }
  });

  it('given the example landing page, when compared with the contact form, then every field has an input with that id and name', () => {
    const contact = parseConfig(formsConfigSchema, forms, 'forms').find((f) => f.id === 'contact');

    for (const field of contact?.fields ?? []) {
      expect(html).toMatch(new RegExp(`id="${field.name}"[^>]*name="${field.name}"`));
    }
    expect(html).toContain('action="/v1/forms/contact"');
    expect(html).toContain(contact?.consent.text);
  });

  it('given the example landing page, when its select is read, then the employee options match the config', () => {
    const employees = parseConfig(formsConfigSchema, forms, 'forms')
      .find((f) => f.id === 'contact')
      ?.fields.find((f) => f.name === 'employees');

    for (const option of employees?.options ?? []) {
      expect(html).toContain(`<option value="${option.value}">${option.label}</option>`);
    }
  });

  it('given the Kansai territory rule, when the contact form is read, then 都道府県 is a list holding every prefecture the rules name, the same as the landing page offers', () => {
    // Arrange
    const prefecture = parseConfig(formsConfigSchema, forms, 'forms')
      .find((f) => f.id === 'contact')
      ?.fields.find((f) => f.name === 'prefecture');
    const named = (handoff.assignmentRules ?? []).flatMap((r) => r.when.prefecture ?? []);

    // Assert: a free-text field would take 「大阪」, which the rule (exact 「大阪府」) does not match
    expect(prefecture?.type).toBe('select');
    const values = (prefecture?.options ?? []).map((o) => o.value);
    expect(values).toHaveLength(48);
    expect(values).toEqual(expect.arrayContaining(named));
    for (const value of values) expect(html).toContain(`<option>${value}</option>`);
  });
});
