import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { now as clockNow } from '#adapters/clock';
import type { Runtime } from '#local/runtime';
import { keys } from '#store/keys';
import { inbox, personToken, startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { api, contactForm, detailOf, eventsOf, getItem } from './handoff-support.ts';
import { eraseOnRequest, leadIdByEmail, searchPage } from './search-support.ts';

/**
 * Sales correcting a lead's details (`POST /v1/ops/leads/{leadId}/attributes`) on DynamoDB Local through the
 * real handlers: the fit, grade, temperature and stage follow with their announcements; the company and
 * phone searches follow; proposals of unverified posts are applied or dismissed; who edited is on the
 * timeline; replays, concurrent edits and bad input change nothing they should not. And the double opt-in
 * confirmation, which applies proposals too, announces the moves its new fit makes.
 */
let runtime: Runtime;
const R = String(1000 + Math.floor(Math.random() * 9000));

interface EditAnswer {
  leadId: string;
  changed: string[];
  proposals: Record<string, string>;
  notProposed: string[];
  attributes: Record<string, string>;
  timeZone: string | null;
  proposedAttributes: Record<string, string> | null;
  score: { fit: number; behaviour: number; total: number };
  grade: string;
  temperature: string;
  stage: string;
}
interface LeadView {
  attributes: Record<string, string>;
  timeZone: string | null;
  proposedAttributes: { values: Record<string, string> } | null;
  score: { fit: number; total: number };
  grade: string;
  temperature: string;
  stage: string;
  timeline: { eventId: string; type: string; points: number; properties?: Record<string, unknown> }[];
}

let n = 0;
const edit = async (leadId: string, body: Record<string, unknown>, token?: string) => {
  const response = await fetch(`${runtime.apiUrl}/v1/ops/leads/${leadId}/attributes`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token ?? runtime.opsToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ actionId: `edit-${R}-${++n}`, ...body }),
  });
  return {
    status: response.status,
    replay: response.headers.get('idempotent-replay'),
    body: (await response.json()) as EditAnswer & { error?: { code: string; errors?: { field: string }[] } },
  };
};
const view = async (leadId: string): Promise<LeadView> =>
  (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as LeadView;
const edits = (lead: LeadView) => lead.timeline.filter((e) => e.type === 'attributes_edited');

/** A card entered for nobody: a small shop's 担当, its phone; then two behaviour events (30 points). */
const cardLead = async (label: string, extra: Record<string, string> = {}) => {
  const { opsPost } = api(runtime);
  const email = `${label}-${R}@example.co.jp`;
  const entered = await opsPost('/v1/ops/leads', {
    email,
    attributes: {
      name: '山本 健',
      company: `株式会社編集前${R}`,
      title: '担当',
      employees: '5',
      industry: '小売',
      phone: `03-${R}-7001`,
      ...extra,
    },
    channel: 'event',
    source: '展示会',
    consentBasis: 'business_card',
  });
  expect(entered.status).toBe(201);
  const tracked = await opsPost('/v1/ops/events', {
    events: [
      { type: 'webinar_attended', email, eventId: `w-${label}-${R}` },
      { type: 'download', email, eventId: `d-${label}-${R}` },
    ],
  });
  expect(tracked.status).toBe(202);
  await runtime.settle();
  return leadIdByEmail(runtime, email);
};

beforeAll(async () => {
  runtime = await startTestRuntime();
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('editing a lead', () => {
  it('given a cold card lead, when sales sets the title, size and industry heard on the phone, then the fit, grade, temperature and stage follow, announced, with the edit on the timeline', async () => {
    const leadId = await cardLead('fit');
    const before = await view(leadId);
    expect(before).toMatchObject({ temperature: 'cold', stage: 'lead', score: { fit: 0, total: 30 } });

    const { status, body } = await edit(leadId, {
      attributes: { title: '営業部 部長', employees: '1000', industry: '製造業' },
      note: '電話で確認',
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      changed: ['title', 'employees', 'industry'],
      attributes: {
        title: '営業部 部長',
        employees: '1000',
        industry: '製造業',
        company: `株式会社編集前${R}`,
      },
      score: { fit: 28, total: 58 },
      grade: 'A',
      temperature: 'warm',
      stage: 'mql',
      proposedAttributes: null,
    });
    expect(body.attributes).not.toHaveProperty('email');
    await runtime.settle();

    const after = await view(leadId);
    expect(after).toMatchObject({ temperature: 'warm', stage: 'mql', grade: 'A', score: { fit: 28 } });
    const [line] = edits(after);
    expect(line?.points).toBe(0);
    expect(line?.properties).toMatchObject({
      by: expect.any(String),
      note: '電話で確認',
      fields: 'title,employees,industry',
      'from.title': '担当',
      'to.title': '営業部 部長',
      'from.employees': '5',
      'to.employees': '1000',
    });
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Temperature Changed').at(-1))).toMatchObject({
      from: 'cold',
      to: 'warm',
    });
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Stage Changed').at(-1))).toMatchObject({
      from: 'lead',
      to: 'mql',
      reason: 'score',
    });
    // The warm lead no one owns is on the call list now.
    const callList = (await (await api(runtime).opsGet('/v1/ops/call-list?limit=200')).json()) as {
      items: { leadId: string }[];
    };
    expect(callList.items.map((i) => i.leadId)).toContain(leadId);
  });

  it('given an edit of the company and the phone, then the searches find the new values and not the old; a cleared phone leaves the phone search', async () => {
    const leadId = await cardLead('search');
    const ids = async (query: string) => {
      const { status, body } = await searchPage(runtime, query);
      expect(status, query).toBe(200);
      return body.items.map((i) => i.leadId);
    };
    expect(await ids(`company=${encodeURIComponent(`編集前${R}`)}`)).toContain(leadId);

    const renamed = await edit(leadId, {
      attributes: { company: `株式会社編集後${R}`, phone: `06-${R}-8002` },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.changed).toEqual(['company', 'phone']);
    expect(await ids(`company=${encodeURIComponent(`編集後${R}`)}`)).toContain(leadId);
    expect(await ids(`company=${encodeURIComponent(`編集前${R}`)}`)).not.toContain(leadId);
    expect(await ids(`phone=${R}8002`)).toContain(leadId);
    expect(await ids(`phone=${R}7001`)).not.toContain(leadId);

    const cleared = await edit(leadId, { attributes: { phone: '' } });
    expect(cleared.body.changed).toEqual(['phone']);
    expect(cleared.body.attributes).not.toHaveProperty('phone');
    expect(await ids(`phone=${R}8002`)).not.toContain(leadId);
    const line = edits(await view(leadId))[0];
    expect(line?.properties).toMatchObject({ 'from.phone': `06-${R}-8002`, 'to.phone': '' });
  });

  it('given proposals of an unverified post, when sales applies one and dismisses another, then the first is the value, both are gone, and one not open is reported', async () => {
    const email = uniqueEmail('proposal');
    const { postForm } = api(runtime);
    expect(
      (await postForm('contact', contactForm(email, { title: '課長', department: '営業部' }))).status,
    ).toBe(201);
    // Somebody types the same address with another title and department: proposed, not applied.
    expect(
      (await postForm('contact', contactForm(email, { title: '部長', department: '経営企画部' }))).status,
    ).toBe(201);
    await runtime.settle();
    const leadId = await leadIdByEmail(runtime, email);
    expect((await view(leadId)).proposedAttributes?.values).toEqual({
      title: '部長',
      department: '経営企画部',
    });

    const { status, body } = await edit(leadId, {
      proposals: { title: 'apply', department: 'dismiss', company: 'apply' },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      changed: ['title'],
      proposals: { title: 'applied', department: 'dismissed' },
      notProposed: ['company'],
      proposedAttributes: null,
      attributes: { title: '部長', department: '営業部' },
    });
    const lead = await view(leadId);
    expect(lead.proposedAttributes).toBeNull();
    expect(edits(lead)[0]?.properties).toMatchObject({
      'proposal.title': 'applied',
      'proposal.department': 'dismissed',
    });
  });

  it('given the same edit sent twice, then the second answers the first result and writes nothing; its actionId on another lead is a 409', async () => {
    const leadId = await cardLead('replay');
    const body = { actionId: `same-${R}`, attributes: { title: '課長' } };
    const first = await edit(leadId, body);
    const second = await edit(leadId, body);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.replay).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(edits(await view(leadId))).toHaveLength(1);

    const other = await cardLead('replay-other');
    const reused = await edit(other, body);
    expect(reused.status).toBe(409);
    expect(reused.body.error?.code).toBe('action_id_reused');
  });

  it('given an edit that changes nothing, then 200 with changed [] and nothing written', async () => {
    const leadId = await cardLead('same');
    const before = await view(leadId);
    const { status, body } = await edit(leadId, { attributes: { title: '  担当 ', industry: '小売' } });
    expect(status).toBe(200);
    expect(body.changed).toEqual([]);
    const after = await view(leadId);
    expect(edits(after)).toHaveLength(0);
    expect(after.timeline).toEqual(before.timeline);
  });

  it('given two reps editing different fields at once, then both values land and each edit has its line', async () => {
    const leadId = await cardLead('race');
    const [a, b] = await Promise.all([
      edit(leadId, { attributes: { title: '部長' } }),
      edit(leadId, { attributes: { department: '情報システム部' } }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const lead = await view(leadId);
    expect(lead.attributes).toMatchObject({ title: '部長', department: '情報システム部' });
    expect(edits(lead)).toHaveLength(2);
  });

  it('given a signed-in sales person, then the edit is recorded as them; a time zone can be set and cleared', async () => {
    const leadId = await cardLead('person');
    const token = await personToken(runtime, 'sales');
    const set = await edit(
      leadId,
      { attributes: { timeZone: 'America/Los_Angeles' }, by: 'someone-else' },
      token,
    );
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ changed: ['timeZone'], timeZone: 'America/Los_Angeles' });
    expect((await view(leadId)).timeZone).toBe('America/Los_Angeles');
    expect(edits(await view(leadId))[0]?.properties).toMatchObject({ by: 'sato' });
    const cleared = await edit(leadId, { attributes: { timeZone: '' } }, token);
    expect(cleared.body).toMatchObject({ changed: ['timeZone'], timeZone: null });
  });

  it('given a handed-off lead, when edited, then its CRM sync counts the change', async () => {
    const { opsPost } = api(runtime);
    const email = uniqueEmail('crm');
    expect(
      (
        await opsPost('/v1/ops/leads', {
          email,
          attributes: { name: '小川 誠', company: '小川工業株式会社' },
          channel: 'event',
          source: '展示会',
          consentBasis: 'business_card',
          ownerId: 'tanaka',
        })
      ).status,
    ).toBe(201);
    await runtime.settle();
    const leadId = await leadIdByEmail(runtime, email);
    // The hand-off armed it; the edit is one more change for the next sync.
    const armed = (await getItem(keys.timer(leadId, 'crm-sync'))) as { changes: number } | undefined;
    expect(armed?.changes).toEqual(expect.any(Number));
    expect((await edit(leadId, { attributes: { phone: '052-123-4567' } })).status).toBe(200);
    expect(await getItem(keys.timer(leadId, 'crm-sync'))).toMatchObject({
      leadId,
      changes: (armed?.changes ?? 0) + 1,
    });
  });

  it('given bad input, then a 400 naming the field and nothing changes; an unknown lead is a 404', async () => {
    const leadId = await cardLead('bad');
    const before = await view(leadId);
    const refusals: [Record<string, unknown>, string][] = [
      [{ attributes: { email: 'not-an-address' } }, 'attributes.email'],
      [{ attributes: { email: '' } }, 'attributes.email'],
      [{ attributes: { nickname: 'T' } }, 'attributes'],
      [{ attributes: { phone: 'call me' } }, 'attributes.phone'],
      [{ attributes: { title: 'x'.repeat(201) } }, 'attributes.title'],
      [{ attributes: { timeZone: 'Tokyo' } }, 'attributes.timeZone'],
      [{ attributes: { title: '部長' }, proposals: { title: 'apply' } }, 'proposals.title'],
      [{ proposals: { title: 'accept' } }, 'proposals.title'],
      [{ actionId: 'has space' }, 'actionId'],
      [{ color: 'red' }, ''],
    ];
    for (const [body, field] of refusals) {
      const answer = await edit(leadId, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      if (field) expect(answer.body.error?.errors?.map((e) => e.field)).toContain(field);
    }
    const after = await view(leadId);
    expect(after.attributes).toEqual(before.attributes);
    expect(edits(after)).toHaveLength(0);
    expect((await edit('no-such-lead', { attributes: { title: '部長' } })).status).toBe(404);
  });
});

describe('correcting the address', () => {
  const claimOf = async (email: string) =>
    (await getItem(keys.emailIndex(email.toLowerCase()))) as { leadId?: string } | undefined;

  it('given a card whose address was read wrong, when sales corrects it, then the lead is found by the new address only, a post of the new address updates it, and the fit reads the new domain', async () => {
    const leadId = await cardLead('typo');
    const wrong = `typo-${R}@example.co.jp`;
    const right = `typo-${R}@gmail.com`;
    const { status, body } = await edit(leadId, { attributes: { email: ` Typo-${R}@GMAIL.com ` } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ email: `Typo-${R}@gmail.com`, changed: ['email'], score: { fit: -15 } });
    expect(await claimOf(right)).toMatchObject({ leadId });
    expect(await claimOf(wrong)).toBeUndefined();
    expect(await leadIdByEmail(runtime, right)).toBe(leadId);
    expect((await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(wrong)}`)).status).toBe(404);
    const line = edits(await view(leadId))[0];
    expect(line?.properties).toMatchObject({ 'from.email': wrong, 'to.email': `Typo-${R}@gmail.com` });

    // The person posts with the right address: the same lead. The old address is free for someone else.
    const { postForm } = api(runtime);
    expect((await postForm('contact', contactForm(right))).status).toBe(201);
    expect((await postForm('contact', contactForm(wrong))).status).toBe(201);
    await runtime.settle();
    expect(await leadIdByEmail(runtime, right)).toBe(leadId);
    expect(await leadIdByEmail(runtime, wrong)).not.toBe(leadId);
    // Erased on request, it is the corrected address that is released and suppressed.
    expect(await eraseOnRequest(runtime, leadId)).toBe(200);
    expect(await claimOf(right)).toBeUndefined();
    const again = await api(runtime).opsPost('/v1/ops/leads', {
      email: right,
      channel: 'event',
      source: '展示会',
      consentBasis: 'business_card',
    });
    expect(again.status).toBe(409);
  });

  it('given an address another lead has, or one erased on request, then 409 and nothing changes; two leads changed to one new address at once: one gets it', async () => {
    const a = await cardLead('taken-a');
    const b = await cardLead('taken-b');
    const taken = await edit(a, { attributes: { email: `taken-b-${R}@example.co.jp` } });
    expect(taken.status).toBe(409);
    expect(taken.body.error?.code).toBe('email_taken');

    const erased = await cardLead('erased');
    expect(await eraseOnRequest(runtime, erased)).toBe(200);
    const refused = await edit(a, { attributes: { email: `erased-${R}@example.co.jp` } });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('address_erased');
    expect((await view(a)).attributes.email).toBe(`taken-a-${R}@example.co.jp`);
    expect(edits(await view(a))).toHaveLength(0);

    const contested = `contested-${R}@example.co.jp`;
    const answers = await Promise.all([
      edit(a, { attributes: { email: contested } }),
      edit(b, { attributes: { email: contested } }),
    ]);
    expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
    const winner = answers[0]?.status === 200 ? a : b;
    expect(await claimOf(contested)).toMatchObject({ leadId: winner });
    expect(await leadIdByEmail(runtime, contested)).toBe(winner);
  });

  it('given a lead suppressed for bounces, when its address is corrected, then marketing mail may go again; a complaint stays', async () => {
    const { suppressLead } = await import('#app/suppress-lead');
    const bounced = await cardLead('bounced');
    await suppressLead(bounced, 'bounce', `bounce-${R}`, clockNow());
    expect((await view(bounced)) as unknown).toMatchObject({ marketing: { allowed: false } });
    expect((await edit(bounced, { attributes: { email: `bounced-${R}@example.jp` } })).status).toBe(200);
    expect((await view(bounced)) as unknown).toMatchObject({ marketing: { allowed: true } });

    const complained = await cardLead('complained');
    await suppressLead(complained, 'complaint', `complaint-${R}`, clockNow());
    expect((await edit(complained, { attributes: { email: `complained-${R}@example.jp` } })).status).toBe(
      200,
    );
    expect((await view(complained)) as unknown).toMatchObject({ marketing: { allowed: false } });
  });
});

describe('the double opt-in confirmation applies proposals', () => {
  it('given a proposal that raises the fit over a threshold, when the address is confirmed, then the temperature move is announced', async () => {
    const email = uniqueEmail('confirm');
    const { postForm, opsPost } = api(runtime);
    const register = (title: string, industry: string) =>
      postForm('webinar', {
        email,
        lastName: '鈴木',
        firstName: '花子',
        company: '鈴木製作所',
        title,
        industry,
        consent: true,
      });
    expect((await register('担当', '小売')).status).toBe(201);
    // The same address again, as its CEO: the title is proposed (the address is unproven).
    expect((await register('CEO', '小売')).status).toBe(201);
    expect(
      (
        await opsPost('/v1/ops/events', {
          events: [{ type: 'webinar_attended', email, eventId: `w-${email}` }],
        })
      ).status,
    ).toBe(202);
    await runtime.settle();
    const leadId = await leadIdByEmail(runtime, email);
    // A company address (5) + the webinar form (10) and its attendance (20).
    expect(await view(leadId)).toMatchObject({
      temperature: 'cold',
      stage: 'lead',
      score: { fit: 5, total: 35 },
      proposedAttributes: { values: { title: 'CEO' } },
    });

    const mails = await inbox(runtime.sesUrl, email);
    const link = mails
      .map((m) => /href="([^"]*\/v1\/confirm\?t=[^"]+)"/.exec(m.body.html ?? '')?.[1])
      .find(Boolean)
      ?.replace(/&amp;/g, '&');
    expect(link).toBeDefined();
    const url = new URL(link ?? '');
    expect((await fetch(`${runtime.apiUrl}${url.pathname}${url.search}`, { method: 'POST' })).status).toBe(
      200,
    );
    await runtime.settle();

    expect(await view(leadId)).toMatchObject({
      attributes: { title: 'CEO', industry: '小売' },
      temperature: 'warm',
      stage: 'lead',
      score: { fit: 15, total: 45 },
      proposedAttributes: null,
    });
    expect(detailOf(eventsOf(runtime, leadId, 'Lead Temperature Changed').at(-1))).toMatchObject({
      from: 'cold',
      to: 'warm',
    });
  });
});
