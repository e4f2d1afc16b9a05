import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '#config/errors';
import {
  businessWindowSchema,
  nurtureSettingsSchema,
  sequencesConfigSchema,
  validateSequenceRefs,
} from '#config/sequences';
import { mailSender } from '#config/settings';
import { parseSettings } from '#config/settings-schema';
import { mailSenderSchema, templatesConfigSchema } from '#config/templates';
import { renderTemplate } from '#domain/nurture/templates';
import * as values from '../../../config/index.ts';
import { nurtureSettings, sequences } from '../../../config/sequences.ts';
import { templates } from '../../../config/templates.ts';

const sender = mailSender();

const step = (id: string, templateId: string, days = 0) => ({
  id,
  delay: { value: days, unit: 'days' },
  templateId,
});
const sequence = (over: Record<string, unknown> = {}) => ({
  id: 'demo',
  name: 'Demo',
  entry: { kind: 'form', formIds: ['contact'] },
  steps: [step('first', 'nurture-thanks')],
  ...over,
});
const demoTemplates = () => parseConfig(templatesConfigSchema, templates, 'templates');
const parseTemplates = (input: unknown) => ({
  templates: parseConfig(templatesConfigSchema, input, 'templates'),
  sender: parseConfig(mailSenderSchema, sender, 'sender'),
});
/**
 * Sequences and nurture settings validated the way settings load: the area schemas, then the cross-check
 * against the shipped templates (`parseSettings` with the other areas as shipped).
 */
const parseNurture = (input: { sequences: unknown; settings?: unknown }) => {
  const parsed = parseSettings({
    ...values,
    sequences: input.sequences,
    nurtureSettings: input.settings ?? nurtureSettings,
  });
  return { sequences: parsed.sequences, settings: parsed.nurtureSettings };
};
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('expected an error');
};

describe('demo configuration', () => {
  it('given the shipped config, when parsed and cross-checked, then it is valid', () => {
    // Act
    const parsed = parseNurture({ sequences, settings: nurtureSettings });
    // Assert
    expect(parsed.sequences.map((s) => s.id)).toEqual([
      'whitepaper-nurture',
      'inquiry-followup',
      'recycle-nurture',
      'cold-reengage',
    ]);
    expect(parsed.settings.frequencyCap.maxPerRolling7Days).toBe(3);
  });

  it('given the whitepaper sequence, when its delays are summed, then the mails land on days 0, 3 and 7', () => {
    const [whitepaper] = sequencesConfigSchema.parse(sequences);
    const days = whitepaper?.steps.map((s) => s.delay.value) ?? [];
    const landing = days.map((_, i) => days.slice(0, i + 1).reduce((a, b) => a + b, 0));
    expect(landing).toEqual([0, 3, 7]);
    // The contact form is an inquiry (fast lane) with its own follow-up, never the whitepaper thank-you.
    expect(whitepaper?.entry).toEqual({ kind: 'form', formIds: ['whitepaper'] });
  });

  it('given the transactional templates the capture flow uses, when rendered, then they carry their links', () => {
    const byId = new Map(demoTemplates().map((t) => [t.id, t]));
    for (const id of ['autoreply-contact', 'autoreply-whitepaper', 'autoreply-webinar', 'doi-confirm']) {
      expect(byId.get(id)?.kind).toBe('transactional');
    }
    const whitepaper = byId.get('autoreply-whitepaper');
    const doi = byId.get('doi-confirm');
    if (!whitepaper || !doi) throw new Error('missing template');
    expect(renderTemplate(whitepaper, { downloadUrl: 'https://ex.com/d/1' }).html).toContain(
      'href="https://ex.com/d/1"',
    );
    expect(renderTemplate(doi, { confirmUrl: 'https://ex.com/c/1' }).subject).toContain('確認');
    expect(renderTemplate(doi, { confirmUrl: 'https://ex.com/c/1' }, 'en').html).toContain(
      'href="https://ex.com/c/1"',
    );
  });

  it('given every demo marketing template, when rendered with a sender, then the footer and unsubscribe link are present', () => {
    const parsed = parseTemplates(templates);
    for (const template of parsed.templates.filter((t) => t.kind === 'marketing')) {
      const mail = renderTemplate(template, { unsubscribeUrl: 'https://ex.com/u/1' }, 'ja', {
        sender: parsed.sender,
      });
      expect(mail.html).toContain('href="https://ex.com/u/1"');
      expect(mail.text).toContain(parsed.sender.postalAddress);
      expect(mail.text).toContain(`お問い合わせ先: ${sender.contact}`);
    }
  });

  it('given empty nurture settings, when parsed, then the defaults are Tokyo business hours and a cap of 3', () => {
    expect(nurtureSettingsSchema.parse({})).toEqual({
      frequencyCap: { maxPerRolling7Days: 3 },
      sendWindow: {
        timeZone: 'Asia/Tokyo',
        days: [1, 2, 3, 4, 5],
        start: '09:00',
        end: '18:00',
        skipJapaneseHolidays: true,
      },
      transientBounceLimit: 3,
      sendRatePerSecond: 10,
      suppressInSesAccountList: false,
      machineClickSeconds: 30,
    });
  });
});

describe('validation errors name the field', () => {
  it('given a step with an unknown template id, when cross-checked, then the error names the step field', () => {
    // Arrange
    const input = [
      sequence(),
      sequence({ id: 'other', steps: [step('a', 'nurture-thanks'), step('b', 'case-study')] }),
    ];
    // Act
    const message = errorOf(() => parseNurture({ sequences: input }));
    // Assert
    expect(message).toContain('sequences[1].steps[1].templateId: unknown template "case-study"');
  });

  it('given a step that uses a transactional template, when cross-checked, then it is refused', () => {
    const issues = validateSequenceRefs(
      [
        {
          id: 's',
          steps: [{ id: 'a', templateId: 'doi-confirm', delay: { value: 0, unit: 'days' }, vars: {} }],
        },
      ],
      demoTemplates(),
    );
    expect(issues).toEqual([
      { path: [0, 'steps', 0, 'templateId'], message: expect.stringContaining('need a marketing template') },
    ]);
  });

  it('given two sequences with the same id, when parsed, then the second id is named', () => {
    const message = errorOf(() => parseNurture({ sequences: [sequence(), sequence()] }));
    expect(message).toContain('sequences[1].id: duplicate sequence id "demo"');
    expect(() => parseNurture({ sequences: [sequence(), sequence()] })).toThrow(ConfigError);
  });

  it('given a typo in a delay key, when parsed, then the unknown key is named', () => {
    const typo = sequence({
      steps: [{ id: 'a', delay: { value: 1, units: 'days' }, templateId: 'nurture-thanks' }],
    });
    const message = errorOf(() => parseNurture({ sequences: [typo] }));
    expect(message).toContain('sequences[0].steps[0].delay');
    expect(message).toContain('units');
  });

  it('given fractional business days, when parsed, then the value is refused', () => {
    const frac = sequence({
      steps: [{ id: 'a', delay: { value: 1.5, unit: 'businessDays' }, templateId: 'x' }],
    });
    expect(errorOf(() => parseNurture({ sequences: [frac] }))).toContain('sequences[0].steps[0].delay.value');
  });

  it('given an unknown time zone or an end before the start, when a window is parsed, then the field is named', () => {
    const zone = businessWindowSchema.safeParse({ timeZone: 'Asia/Tokio' });
    const hours = businessWindowSchema.safeParse({ start: '18:00', end: '09:00' });
    expect(zone.success).toBe(false);
    expect(zone.error?.issues[0]?.path).toEqual(['timeZone']);
    expect(hours.error?.issues[0]?.path).toEqual(['end']);
  });

  it('given a bad nurture setting, when parsed, then the settings field is named', () => {
    const message = errorOf(() =>
      parseNurture({ sequences: [sequence()], settings: { frequencyCap: { maxPerRolling7Days: 0 } } }),
    );
    expect(message).toContain('nurtureSettings.frequencyCap.maxPerRolling7Days');
  });

  it('given a template with a broken tag, when parsed, then the locale field is named', () => {
    const broken = [
      { id: 'x', kind: 'marketing', locales: { ja: { subject: 'ok', html: '<p>{{lead.first name}}</p>' } } },
    ];
    const message = errorOf(() => parseTemplates(broken));
    expect(message).toContain('templates[0].locales.ja.html: template syntax');
    expect(() => parseTemplates(broken)).toThrow(ConfigError);
  });

  it('given a template without its default-locale variant, when parsed, then the missing variant is named', () => {
    const enOnly = [{ id: 'x', kind: 'marketing', locales: { en: { subject: 's', html: 'h' } } }];
    const result = templatesConfigSchema.safeParse(enOnly);
    expect(result.error?.issues[0]?.path).toEqual([0, 'locales', 'ja']);
  });

  it('given a multi-line subject or a duplicate template id, when parsed, then each is reported', () => {
    const bad = [
      { id: 'x', kind: 'transactional', locales: { ja: { subject: 'a\r\nBcc: b', html: 'h' } } },
      { id: 'x', kind: 'transactional', locales: { ja: { subject: 'a', html: 'h' } } },
    ];
    const message = errorOf(() => parseTemplates(bad));
    expect(message).toContain('templates[0].locales.ja.subject');
    expect(message).toContain('templates[1].id: duplicate template id "x"');
  });
});

describe('template variables across config', () => {
  it('given a step whose template needs a link the step does not supply, when settings load, then the error names the step', async () => {
    const { parseSettings } = await import('#config/settings-schema');
    const raw = await import('../../../config/index.ts');
    const sequences = structuredClone(raw.sequences);
    const step = sequences[0]?.steps[1];
    if (step) step.vars = {};

    expect(() => parseSettings({ ...raw, sequences })).toThrow(
      /sequences\[0\]\.steps\[1\]\.vars: template "nurture-case-study" needs caseStudyUrl/,
    );
  });

  it('given the demo configuration, when every template a sender uses is checked, then nothing is missing', async () => {
    const { requiredVariables } = await import('#domain/nurture/templates');
    const { settings } = await import('#config/settings');
    const caseStudy = settings.templates.find((t) => t.id === 'nurture-case-study');
    expect(caseStudy && requiredVariables(caseStudy)).toEqual(['caseStudyUrl']);
    expect(settings.sequences[0]?.steps[1]?.vars.caseStudyUrl).toMatch(/^https:\/\//);
  });
});
