import { describe, expect, it } from 'vitest';
import { parseSubmission } from '#domain/capture/forms';
import {
  attributesAfterConfirmation,
  leadAfterSubmission,
  newLeadFromSubmission,
  reconcileAttributes,
  type Submission,
  scorePeriod,
  submissionFacts,
} from '#domain/capture/submission';
import type { Lead } from '#domain/lead/lead';
import { defaultConfig, jst } from '../scoring/helpers.ts';
import { contactForm, contactFormInput, validRaw } from './fixtures.ts';

const TZ = 'Asia/Tokyo';
const NOW = jst(2026, 5, 12, 10);
const form = contactForm({
  fields: [
    ...contactFormInput.fields,
    { name: 'title', type: 'text', label: '役職', attribute: 'title' },
    { name: 'industry', type: 'text', label: '業種', attribute: 'industry' },
  ],
});

const submission = (raw: Record<string, unknown>, now: number): Submission => {
  const parsed = parseSubmission(form, { ...validRaw(raw), _startedAt: String(now - 60_000) }, now);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed;
};

let n = 0;
const post = (lead: Lead | undefined, raw: Record<string, unknown>, now = NOW) => {
  const facts = submissionFacts(form, submission(raw, now), { submissionId: `s${++n}`, now });
  return lead
    ? leadAfterSubmission(lead, facts, defaultConfig, TZ)
    : newLeadFromSubmission(facts, 'lead-1', defaultConfig, TZ);
};

describe('an unverified post to a known address', () => {
  it('given a grade-A lead, when a stranger posts its address with a junior title and a tiny company, then nothing sales sees changes and the values are only proposed', () => {
    // Arrange
    const a = post(undefined, { title: '代表取締役社長', employees: '50-299' }).lead;
    // Act
    const change = post(a, { title: 'アルバイト', employees: '1-49', company: '偽物株式会社' });
    // Assert
    expect(change.lead.profile.attributes).toMatchObject({
      title: '代表取締役社長',
      employees: '50-299',
      company: '株式会社サンプル',
    });
    expect(change.lead.state.fit).toBe(a.state.fit);
    expect(change.lead.state.grade).toBe(a.state.grade);
    expect(change.lead.profile.proposedAttributes?.values).toEqual({
      title: 'アルバイト',
      employees: '1-49',
      company: '偽物株式会社',
    });
    expect(change.entry.properties).toMatchObject({
      'proposed.title': 'アルバイト',
      'proposed.company': '偽物株式会社',
    });
  });

  it('given a lead without a phone or department, when a post brings them, then empty attributes are filled', () => {
    const a = post(undefined, {}).lead;
    const change = post(a, { phone: '03-1234-5678', title: '部長' });
    expect(change.lead.profile.attributes).toMatchObject({ phone: '03-1234-5678', title: '部長' });
    expect(change.lead.profile.proposedAttributes).toBeUndefined();
    expect(change.entry.properties).toMatchObject({ 'filled.phone': '03-1234-5678' });
  });

  it('given filling an empty attribute would lower the fit, when posted, then it is proposed instead of filled', () => {
    const a = post(undefined, { employees: '50-299' }).lead;
    const change = post(a, { title: '学生', phone: '03-1234-5678' });
    // The demo scoring gives a student title -10: filling it would lower the fit.
    const lowered = post(undefined, { employees: '50-299', title: '学生' }).lead.state.fit;
    expect(lowered).toBeLessThan(a.state.fit);
    expect(change.lead.state.fit).toBe(a.state.fit);
    expect(change.lead.profile.attributes.title).toBeUndefined();
    expect(change.lead.profile.proposedAttributes?.values).toEqual({ title: '学生', phone: '03-1234-5678' });
  });

  it('given proposals, when the address is confirmed, then they are applied (fit recomputed) and cleared', () => {
    const a = post(undefined, { title: '代表取締役社長' }).lead;
    const proposed = post(a, { title: 'アルバイト' }).lead;
    const confirmed = attributesAfterConfirmation(proposed, defaultConfig, NOW + 1000);
    expect(confirmed?.profile.attributes.title).toBe('アルバイト');
    expect(confirmed?.profile.proposedAttributes).toBeUndefined();
    expect(confirmed?.state.fit).toBeLessThan(a.state.fit);
    expect(confirmed?.state.version).toBe(proposed.state.version + 1);
    expect(attributesAfterConfirmation(a, defaultConfig, NOW)).toBeNull();
  });

  it('given current and submitted values, when reconciled, then empty ones fill, different ones propose, equal ones do nothing', () => {
    expect(
      reconcileAttributes(
        { title: '部長', company: 'A社', phone: ' ' },
        { title: '部長', company: 'B社', phone: '1', email: 'x@y.jp' },
      ),
    ).toEqual({ filled: { phone: '1' }, proposed: { company: 'B社' } });
  });
});

describe('behaviour points once per lead, form and day', () => {
  it('given ten identical posts in one Tokyo day, when scored, then only the first earns points and every one is on the timeline', () => {
    let lead = post(undefined, {}).lead;
    const first = lead.state.score.total;
    const entries = [];
    for (let i = 1; i < 10; i++) {
      const change = post(lead, {}, NOW + i * 60_000);
      entries.push(change.entry);
      lead = change.lead;
    }
    expect(entries).toHaveLength(9);
    expect(entries.every((e) => e.points === 0 && e.properties?.notScored === 'once_per_day')).toBe(true);
    expect(lead.state.score.total).toBe(first);
    expect(lead.state.temperature).not.toBe('hot');
  });

  it('given the next post after midnight in Tokyo (15:00 UTC), when scored, then it earns points again', () => {
    const a = post(undefined, {}, jst(2026, 5, 12, 23, 59)).lead;
    const sameDay = post(a, {}, jst(2026, 5, 12, 23, 59) + 30_000);
    const nextDay = post(sameDay.lead, {}, jst(2026, 5, 13, 0, 1));
    expect(sameDay.entry.points).toBe(0);
    expect(nextDay.entry.points).toBeGreaterThan(0);
  });

  it('given scoreOncePer submission, when posted twice, then both score', () => {
    expect(scorePeriod('submission', NOW, TZ)).toBeNull();
    expect(scorePeriod('day', jst(2026, 5, 12, 23, 59), TZ)).toBe('day:2026-05-12');
    expect(scorePeriod('day', jst(2026, 5, 13, 0, 0), TZ)).toBe('day:2026-05-13');
  });
});
