import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSubmission } from '#domain/capture/forms';
import { leadAfterSubmission, newLeadFromSubmission, submissionFacts } from '#domain/capture/submission';
import {
  decideEdit,
  EDITABLE_ATTRIBUTES,
  type EditableAttribute,
  type LeadEditRequest,
} from '#domain/lead/edit';
import type { Lead } from '#domain/lead/lead';
import { computeFit } from '#domain/scoring/fit';
import { contactForm, contactFormInput, validRaw } from '../capture/fixtures.ts';
import { defaultConfig, jst } from '../scoring/helpers.ts';

/**
 * Sales editing a lead (#domain/lead/edit): values set and cleared, proposals applied and dismissed, the fit
 * recomputed from what the profile then says, and the moves of temperature and stage announced.
 */
const TZ = 'Asia/Tokyo';
const NOW = jst(2026, 12, 8, 10);
const form = contactForm({
  fields: [
    ...contactFormInput.fields,
    { name: 'title', type: 'text', label: '役職', attribute: 'title' },
    { name: 'industry', type: 'text', label: '業種', attribute: 'industry' },
    { name: 'department', type: 'text', label: '部署', attribute: 'department' },
  ],
});
let n = 0;
const post = (lead: Lead | undefined, raw: Record<string, unknown>) => {
  const parsed = parseSubmission(form, { ...validRaw(raw), _startedAt: String(NOW - 60_000) }, NOW);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const facts = submissionFacts(form, parsed, { submissionId: `s${++n}`, now: NOW });
  return (
    lead
      ? leadAfterSubmission(lead, facts, defaultConfig, TZ)
      : newLeadFromSubmission(facts, 'lead-1', defaultConfig, TZ)
  ).lead;
};
const edit = (lead: Lead, request: Partial<LeadEditRequest>, at = NOW + 60_000) =>
  decideEdit(lead, { actionId: 'e1', attributes: {}, proposals: {}, ...request }, 'sato', defaultConfig, at);

describe('an edit by sales', () => {
  it('given a title heard on the phone, then it is set, the fit follows, and the line says who and what', () => {
    const lead = post(undefined, { title: '担当' });
    const decided = edit(lead, {
      attributes: { title: '代表取締役社長', department: '' },
      note: '電話で確認',
    });
    if (!decided.ok || decided.kind !== 'changed') throw new Error('expected a change');
    expect(decided.view.changed).toEqual(['title']);
    expect(decided.profile.attributes.title).toBe('代表取締役社長');
    expect(decided.state?.fit).toBe(computeFit(decided.profile.attributes, defaultConfig).fit);
    expect(decided.state?.fit).toBeGreaterThan(lead.state.fit);
    expect(decided.profile.version).toBe(lead.profile.version + 1);
    expect(decided.state?.version).toBe(lead.state.version + 1);
    expect(decided.entry).toMatchObject({
      eventId: 'edit:e1',
      type: 'attributes_edited',
      points: 0,
      properties: { by: 'sato', note: '電話で確認', 'from.title': '担当', 'to.title': '代表取締役社長' },
    });
  });

  it('given a field both set and named in proposals, then refused; given nothing new, then unchanged', () => {
    const lead = post(undefined, { title: '部長' });
    expect(edit(lead, { attributes: { title: '課長' }, proposals: { title: 'apply' } })).toMatchObject({
      ok: false,
      field: 'proposals.title',
    });
    expect(edit(lead, { attributes: { title: '部長' }, proposals: { company: 'apply' } })).toMatchObject({
      ok: true,
      kind: 'unchanged',
      view: { changed: [], notProposed: ['company'] },
    });
  });

  it('given a corrected address, then the profile, the state and the claim move, bounces are forgotten, a complaint is not', () => {
    const lead = post(undefined, {});
    const bounced: Lead = {
      ...lead,
      profile: {
        ...lead.profile,
        erasedAddressHeld: true,
        marketing: { suppressedAt: NOW, suppressionReason: 'bounce', transientBounces: 2 },
      },
    };
    const decided = edit(bounced, { attributes: { email: ' Taro.New@GMAIL.COM ' } });
    if (!decided.ok || decided.kind !== 'changed') throw new Error('expected a change');
    expect(decided.view).toMatchObject({ email: 'Taro.New@gmail.com', changed: ['email'] });
    expect(decided.profile).toMatchObject({ email: 'Taro.New@gmail.com', emailKey: 'taro.new@gmail.com' });
    expect(decided.profile.attributes.email).toBe('Taro.New@gmail.com');
    expect(decided.profile.marketing).toEqual({ transientBounces: 0 });
    expect(decided.profile.erasedAddressHeld).toBeUndefined();
    expect(decided.state?.email).toBe('Taro.New@gmail.com');
    expect(decided.state?.fit).toBe(computeFit(decided.profile.attributes, defaultConfig).fit);
    expect(decided.emailChange).toEqual({ fromKey: lead.profile.emailKey, toKey: 'taro.new@gmail.com' });
    expect(decided.entry.properties).toMatchObject({
      'from.email': lead.profile.email,
      'to.email': 'Taro.New@gmail.com',
    });

    const complained: Lead = {
      ...lead,
      profile: {
        ...lead.profile,
        marketing: { suppressedAt: NOW, suppressionReason: 'complaint', transientBounces: 0 },
      },
    };
    const kept = edit(complained, { attributes: { email: 'other@example.jp' } });
    if (!kept.ok || kept.kind !== 'changed') throw new Error('expected a change');
    expect(kept.profile.marketing).toMatchObject({ suppressionReason: 'complaint', suppressedAt: NOW });

    // Only the letter case of the local part: the same claim, no move.
    const upper = lead.profile.email.replace(/^[^@]+/, (local) => local.toUpperCase());
    const recased = edit(lead, { attributes: { email: upper } });
    if (!recased.ok || recased.kind !== 'changed') throw new Error('expected a change');
    expect(recased.emailChange).toBeUndefined();
    expect(edit(lead, { attributes: { email: 'no-at-sign' } })).toMatchObject({
      ok: false,
      field: 'attributes.email',
    });
  });

  it('given a change of details that does not move the fit, then only the profile is written', () => {
    const lead = post(undefined, {});
    const decided = edit(lead, { attributes: { department: '総務部' } });
    if (!decided.ok || decided.kind !== 'changed') throw new Error('expected a change');
    expect(decided.state).toBeUndefined();
    expect(decided.events).toEqual([]);
  });
});

/** Values a form field takes (posts are parsed as the form does), per attribute. */
const POSTED: Partial<Record<EditableAttribute, readonly string[]>> = {
  title: ['部長', '代表取締役社長', '学生', '担当'],
  industry: ['製造業', '小売', 'ソフトウェア'],
  department: ['営業部', '総務部'],
  phone: ['03-1234-5678', '06-1111-2222'],
  company: ['株式会社サンプル', '有限会社テスト'],
};
const posted = fc
  .subarray(Object.keys(POSTED) as EditableAttribute[], { maxLength: 3 })
  .chain((keys) =>
    fc.tuple(...keys.map((k) => fc.constantFrom(...(POSTED[k] ?? [])).map((v) => [k, v] as const))),
  )
  .map((pairs) => Object.fromEntries(pairs));
const attributeArb = fc.constantFrom<EditableAttribute>(
  'title',
  'industry',
  'department',
  'phone',
  'employees',
);
/** An edit's values: anything a person types, `""` to clear. */
const typed = fc.constantFrom('', '部長', '代表取締役社長', '学生', '製造業', '03-9999-0000', '1000', '5');

describe('any edit of any lead', () => {
  it('sets what it names, decides the proposals it names, and scores and announces what the profile then says', () => {
    fc.assert(
      fc.property(
        fc.record({
          first: posted,
          second: posted,
          set: fc.dictionary(attributeArb, typed, { maxKeys: 3 }),
          decide: fc.dictionary(attributeArb, fc.constantFrom('apply' as const, 'dismiss' as const), {
            maxKeys: 3,
          }),
          later: fc.integer({ min: 0, max: 90 }),
        }),
        ({ first, second, set, decide, later }) => {
          // A lead, then an unverified post of the same address: its different values are proposals.
          const lead = post(post(undefined, first), second);
          const proposals = Object.fromEntries(Object.entries(decide).filter(([k]) => !(k in set)));
          const decided = edit(lead, { attributes: set, proposals }, NOW + later * 86_400_000);
          if (!decided.ok) throw new Error(decided.message);
          const open = lead.profile.proposedAttributes?.values ?? {};
          const expected = { ...lead.profile.attributes };
          for (const [k, v] of Object.entries(set)) {
            if (v === '') delete expected[k as EditableAttribute];
            else expected[k as EditableAttribute] = v;
          }
          for (const [k, d] of Object.entries(proposals))
            if (d === 'apply' && open[k as EditableAttribute] !== undefined)
              expected[k as EditableAttribute] = open[k as EditableAttribute];
          const changed = EDITABLE_ATTRIBUTES.filter(
            (f) => (lead.profile.attributes[f] ?? '') !== (expected[f] ?? ''),
          );
          expect(decided.view.changed).toEqual(changed);
          const notProposed = EDITABLE_ATTRIBUTES.filter((f) => f in proposals && open[f] === undefined);
          expect(decided.view.notProposed).toEqual(notProposed);
          const decidedAny =
            Object.keys(proposals).some((k) => open[k as EditableAttribute] !== undefined) ||
            Object.keys(set).some((k) => open[k as EditableAttribute] !== undefined);
          if (decided.kind === 'unchanged') {
            expect(changed).toEqual([]);
            expect(decidedAny).toBe(false);
            return;
          }
          expect(decided.profile.attributes).toEqual(expected);
          // The proposals left are those neither decided nor replaced by a value set.
          const left = Object.fromEntries(
            Object.entries(open).filter(([k]) => !(k in set) && !(k in proposals)),
          );
          expect(decided.profile.proposedAttributes?.values ?? {}).toEqual(left);
          const fit = computeFit(expected, defaultConfig);
          const after = decided.state ?? lead.state;
          expect(after.fit).toBe(fit.fit);
          expect(after.grade).toBe(fit.grade);
          expect(decided.profile.fitBreakdown).toEqual(fit.breakdown);
          // Announced exactly when they moved; the line names every changed field's new value.
          const types = decided.events.map((e) => e.detailType);
          expect(types.includes('Lead Temperature Changed')).toBe(
            after.temperature !== lead.state.temperature,
          );
          expect(types.includes('Lead Stage Changed')).toBe(after.stage !== lead.state.stage);
          for (const f of changed) expect(decided.entry.properties?.[`to.${f}`]).toBe(expected[f] ?? '');
          expect(after.lastActivityAt).toBe(lead.state.lastActivityAt);
        },
      ),
      { numRuns: 300 },
    );
  });
});
