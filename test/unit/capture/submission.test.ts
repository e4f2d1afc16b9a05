import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FormConfig } from '#config/forms';
import {
  type ConsentLedgerEntry,
  consentHistory,
  ledgerHead,
  supersededGrant,
} from '#domain/capture/consent-ledger';
import { parseSubmission } from '#domain/capture/forms';
import {
  awaitsConfirmation,
  errorPageUrl,
  leadAfterSubmission,
  mergeConsent,
  newLeadFromSubmission,
  type Submission,
  submissionFacts,
} from '#domain/capture/submission';
import type { Consent } from '#domain/lead/types';
import { defaultConfig } from '../scoring/helpers.ts';
import { contactForm, validRaw } from './fixtures.ts';

const NOW = Date.UTC(2026, 4, 12, 1, 30);
const TZ = 'Asia/Tokyo';

const consent = (over: Partial<Consent> = {}): Consent => ({
  purpose: 'marketing_email',
  textVersion: 'v1',
  formId: 'contact',
  at: 0,
  doubleOptIn: true,
  ...over,
});

const submission = (raw: Record<string, unknown> = {}, form = contactForm()): Submission => {
  const parsed = parseSubmission(form, { ...validRaw(raw), _startedAt: String(NOW - 60_000) }, NOW);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed;
};

describe('consent merging', () => {
  it('given no new consent, when merged, then the existing one stays', () => {
    const existing = consent({ confirmedAt: 5 });
    expect(mergeConsent(existing, null)).toBe(existing);
  });

  it('given a confirmed consent, when a newer one arrives, then it replaces the old but keeps the confirmation', () => {
    const merged = mergeConsent(consent({ confirmedAt: 5 }), consent({ textVersion: 'v2', at: 10 }));
    expect(merged).toEqual(consent({ textVersion: 'v2', at: 10, confirmedAt: 5, ledgerHead: true }));
  });

  it('given an unconfirmed consent, when a newer one arrives, then the newer one is taken as is, as the ledger head', () => {
    const incoming = consent({ textVersion: 'v2', at: 10 });
    expect(mergeConsent(consent(), incoming)).toEqual({ ...incoming, ledgerHead: true });
    expect(mergeConsent(undefined, incoming)).toEqual({ ...incoming, ledgerHead: true });
  });
});

describe('the consent ledger head', () => {
  const head = (over: Partial<Consent> = {}) => ledgerHead(consent(over));

  it('given a head, when a later grant replaces it, then its entry is the grant as given (confirmation aside)', () => {
    const before = head({ at: 5, ip: '203.0.113.7', confirmedAt: 9 });
    expect(supersededGrant(before, head({ at: 10, formId: 'seminar' }))).toEqual({
      entryId: 'granted:contact',
      kind: 'granted',
      purpose: 'marketing_email',
      textVersion: 'v1',
      formId: 'contact',
      at: 5,
      doubleOptIn: true,
      ip: '203.0.113.7',
    });
  });

  it('given a head, when it is confirmed, kept, or replaced by the same form at the same time, then nothing goes to the ledger', () => {
    const before = head({ at: 5 });
    expect(supersededGrant(before, { ...before, confirmedAt: 9 })).toBeUndefined();
    expect(supersededGrant(before, mergeConsent(before, null))).toBeUndefined();
    expect(supersededGrant(before, head({ at: 5, ip: '198.51.100.1' }))).toBeUndefined();
  });

  it('given a grant written to the ledger with it (before heads), when replaced, then nothing is written again', () => {
    expect(supersededGrant(consent({ at: 5 }), head({ at: 10 }))).toBeUndefined();
    expect(consentHistory([], consent({ at: 5 }))).toEqual([]);
  });

  it('given a head and the ledger, then the history lists each once, oldest first', () => {
    const withdrawn = {
      entryId: 'withdrawn:7',
      kind: 'withdrawn' as const,
      purpose: 'marketing_email',
      at: 7,
    };
    const former = supersededGrant(head({ at: 2, formId: 'seminar' }), head({ at: 5 }));
    if (!former) throw new Error('no former head');
    const history = consentHistory([former, withdrawn], head({ at: 5 }));
    expect(history.map((e) => [e.kind, e.at])).toEqual([
      ['granted', 2],
      ['granted', 5],
      ['withdrawn', 7],
    ]);
    expect(consentHistory(history, head({ at: 5 }))).toEqual(history);
  });

  it('given any run of posts, confirmations and repeats, then the ledger and its head hold every grant once', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('post' as const), form: fc.constantFrom('a', 'b'), dt: fc.nat(2) }),
      fc.record({ kind: fc.constantFrom('confirm' as const, 'none' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        let profile: Consent | undefined;
        let at = 0;
        const ledger = new Map<string, ConsentLedgerEntry>();
        const given = new Set<string>();
        for (const s of steps) {
          let next = profile;
          if (s.kind === 'post') {
            at += s.dt;
            next = mergeConsent(profile, consent({ formId: s.form, at }));
            given.add(`${s.form}@${at}`);
          } else if (s.kind === 'confirm' && profile) next = { ...profile, confirmedAt: at };
          const former = supersededGrant(profile, next);
          // The entry's key is the fact (form and time): a put on a key already there (A, B, A posted in one
          // millisecond) writes the same grant again, never over another.
          if (former) ledger.set(`${former.at}#${former.entryId}`, former);
          profile = next;
        }
        const history = consentHistory([...ledger.values()], profile);
        expect(new Set(history.map((e) => `${e.formId}@${e.at}`))).toEqual(given);
        expect(history).toHaveLength(given.size);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the error page URL', () => {
  it('given field errors, when redirected, then the field names are listed once, before the fragment', () => {
    expect(errorPageUrl('https://x.example/err#form', ['email', 'email', 'last name'])).toBe(
      'https://x.example/err?errors=email,last%20name#form',
    );
    expect(errorPageUrl('/err?lang=ja', ['email'])).toBe('/err?lang=ja&errors=email');
  });
});

describe('a submission on a lead', () => {
  it('given a first submission, when a lead is made, then it is version 1 with the form event on its timeline and Lead Captured announced', () => {
    // Arrange
    const form = contactForm();
    const facts = submissionFacts(form, submission(), { submissionId: 's1', now: NOW, ip: '192.0.2.1' });
    // Act
    const created = newLeadFromSubmission(facts, 'lead-1', defaultConfig, TZ);
    // Assert
    expect(created.lead.state.version).toBe(1);
    expect(created.lead.profile.version).toBe(1);
    expect(created.baseVersion).toBe(1);
    expect(created.entry.eventId).toBe('form:s1');
    expect(created.lead.profile.consent).toMatchObject({ formId: 'contact', ip: '192.0.2.1', at: NOW });
    expect(created.events[0]).toMatchObject({
      detailType: 'Lead Captured',
      detail: { eventId: 'lead-1:captured:s1', isNew: true, leadId: 'lead-1' },
    });
  });

  it('given a known lead that confirmed, when it posts again, then attributes merge, confirmation carries over and both items move on', () => {
    // Arrange
    const form = contactForm({ doubleOptIn: true });
    const first = newLeadFromSubmission(
      submissionFacts(form, submission(), { submissionId: 's1', now: NOW }),
      'lead-1',
      defaultConfig,
      TZ,
    ).lead;
    const confirmed = {
      ...first,
      profile: { ...first.profile, consent: { ...(first.profile.consent as Consent), confirmedAt: NOW + 1 } },
    };
    const later = NOW + 60_000;
    const facts = submissionFacts(form, submission({ phone: '03-1234-5678' }), {
      submissionId: 's2',
      now: later,
    });
    // Act
    const change = leadAfterSubmission(confirmed, facts, defaultConfig, TZ);
    // Assert
    expect(change.lead.profile.version).toBe(confirmed.profile.version + 1);
    expect(change.lead.state.version).toBe(confirmed.state.version + 1);
    expect(change.baseVersion).toBe(confirmed.state.version);
    expect(change.lead.profile.attributes).toMatchObject({
      company: '株式会社サンプル',
      phone: '03-1234-5678',
    });
    expect(change.lead.profile.consent?.confirmedAt).toBe(NOW + 1);
    expect(awaitsConfirmation(form, change.lead.profile)).toBe(false);
    expect(awaitsConfirmation(form, first.profile)).toBe(true);
    expect(change.events[0]).toMatchObject({ detailType: 'Lead Captured', detail: { isNew: false } });
  });
});

describe("the lead's time zone (profile.timeZone, which send windows honour)", () => {
  const withFields = (): FormConfig => {
    const form = contactForm();
    return {
      ...form,
      fields: [
        ...form.fields,
        { name: 'country', type: 'text', label: '国', required: false, maxLength: 40, attribute: 'country' },
        { name: 'timeZone', type: 'hidden', label: 'timeZone', required: false, maxLength: 64 },
      ],
    };
  };

  it('given a valid timeZone field, when a new lead is captured, then it is the profile zone', () => {
    const form = withFields();
    const facts = submissionFacts(form, submission({ timeZone: 'America/Chicago', country: 'JP' }, form), {
      submissionId: 's',
      now: NOW,
    });
    expect(newLeadFromSubmission(facts, 'l', defaultConfig, TZ).lead.profile.timeZone).toBe(
      'America/Chicago',
    );
  });

  it('given no (or an invalid) zone but a country, then the country decides; given neither, none is set', () => {
    const form = withFields();
    const fromCountry = submissionFacts(form, submission({ timeZone: 'Nowhere/City', country: 'US' }, form), {
      submissionId: 's',
      now: NOW,
    });
    expect(newLeadFromSubmission(fromCountry, 'l', defaultConfig, TZ).lead.profile.timeZone).toBe(
      'America/New_York',
    );
    const neither = submissionFacts(form, submission({}, form), { submissionId: 's', now: NOW });
    expect(newLeadFromSubmission(neither, 'l', defaultConfig, TZ).lead.profile).not.toHaveProperty(
      'timeZone',
    );
  });

  it('given a lead without a zone, a later post fills it; a lead with one keeps it', () => {
    const form = withFields();
    const first = newLeadFromSubmission(
      submissionFacts(form, submission({}, form), { submissionId: 's1', now: NOW }),
      'l',
      defaultConfig,
      TZ,
    ).lead;
    const later = submissionFacts(form, submission({ country: '日本' }, form), {
      submissionId: 's2',
      now: NOW + 1,
    });
    const filled = leadAfterSubmission(first, later, defaultConfig, TZ).lead;
    expect(filled.profile.timeZone).toBe('Asia/Tokyo');
    const other = submissionFacts(form, submission({ timeZone: 'Europe/Paris' }, form), {
      submissionId: 's3',
      now: NOW + 2,
    });
    expect(leadAfterSubmission(filled, other, defaultConfig, TZ).lead.profile.timeZone).toBe('Asia/Tokyo');
  });
});
