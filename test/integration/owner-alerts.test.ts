import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatDeadlineJa } from '#domain/handoff/owner-alert';
import type { DeliveredEvent } from '#local/router';
import type { Runtime } from '#local/runtime';
import { type CapturedMail, inbox, startTestRuntime, personToken as tokenOf } from '../support/runtime.ts';
import { injectFault, throttling, timedOut } from '../support/sdk-faults.ts';
import { api, contactForm, detailOf, eventsOf, getItem, HOUR } from './handoff-support.ts';

/**
 * Owner alerts on the real local engines: the demo's contact form (an inquiry fast lane) hands a lead to an
 * inside-sales owner, the bus delivers `Lead Handed Off` to the owner-alerts function, and the owner's mail is
 * in the local SES, once; the SLA timer's breach and reassignment, and a planned call coming due, mail the
 * owners they concern. Owners' inboxes are shared by every file of the run, so each mail is found by its lead.
 */

let runtime: Runtime;
const RUN = Math.random().toString(36).slice(2, 8);
const ses = () => inject('sesEndpoint');

beforeAll(async () => {
  runtime = await startTestRuntime();
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

interface LeadView {
  leadId: string;
  owner?: { ownerId: string; email: string; name: string };
  handoff?: { n: number; dueAt: string; firstContactDueAt?: string };
}

const viewOf = async (leadId: string): Promise<LeadView> =>
  (await (await api(runtime).opsGet(`/v1/ops/leads/${leadId}`)).json()) as LeadView;

/** A demo request from a company of its own; the lead's id once the hand-off is delivered. */
const demoRequest = async (label: string): Promise<{ leadId: string; company: string }> => {
  const company = `株式会社${label}${RUN}`;
  const email = `${label}-${RUN}@example.co.jp`;
  const posted = await api(runtime).postForm(
    'contact',
    contactForm(email, { company, message: '来週デモを見たい\n10名規模' }),
  );
  expect(posted.status).toBe(201);
  await runtime.settle();
  const found = await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`);
  return { leadId: ((await found.json()) as { leadId: string }).leadId, company };
};

/** The mails an owner got about one lead (the link names it), oldest first. */
const alertsAbout = async (ownerEmail: string, leadId: string): Promise<CapturedMail[]> =>
  (await inbox(ses(), ownerEmail)).filter((m) => m.body.text?.includes(`#/lead/${leadId}`));

/**
 * A demo request's hand-off as if its event had not reached the owner-alerts function yet (its claim deleted),
 * for a test to deliver by hand: the event, the owner's address, the claim's key and the owner's mail count.
 */
const undeliveredHandOff = async (label: string) => {
  const { leadId } = await demoRequest(label);
  const [handedOff] = eventsOf(runtime, leadId, 'Lead Handed Off');
  const owner = (await viewOf(leadId)).owner?.email ?? '';
  const { keys } = await import('#store/keys');
  const { dynamodb, tableName } = await import('#store/dynamodb');
  const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
  const key = keys.ownerAlert(detailOf<{ eventId: string }>(handedOff).eventId);
  await dynamodb.send(new DeleteCommand({ TableName: tableName, Key: key }));
  return { leadId, handedOff, owner, key, before: (await alertsAbout(owner, leadId)).length };
};

const personToken = (group: string): Promise<string> => tokenOf(runtime, group);

const postAs = (token: string, path: string, body: unknown) =>
  fetch(`${runtime.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const tokyo = (iso: string) => formatDeadlineJa(Date.parse(iso), 'Asia/Tokyo');

describe('owner alerts', () => {
  it('given a demo request, when it is handed off, then its owner gets one mail naming the lead, how to reach them, both deadlines in Tokyo time and the link to the lead; a redelivered event sends nothing more', async () => {
    // Arrange
    const { leadId, company } = await demoRequest('owner-alert-handoff');
    const view = await viewOf(leadId);
    const owner = view.owner;
    if (!owner || !view.handoff?.firstContactDueAt) throw new Error('the demo request was not handed off');
    const [handedOff] = eventsOf(runtime, leadId, 'Lead Handed Off');

    // Act: the same event again, as EventBridge may deliver it
    const again = await runtime.invoke('owner-alerts', handedOff as DeliveredEvent);

    // Assert
    expect(again).toEqual({ outcome: 'mailed', mails: [{ to: owner.email, outcome: 'already_sent' }] });
    const mails = await alertsAbout(owner.email, leadId);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail?.subject).toBe(`【リード割り当て】${company} 山田 太郎 様(問い合わせ・デモ依頼)`);
    const text = mail?.body.text ?? '';
    expect(text).toContain(`${owner.name} さん`);
    expect(text).toContain(`受諾期限: ${tokyo(view.handoff.dueAt)}`);
    expect(text).toContain(`初回接触期限: ${tokyo(view.handoff.firstContactDueAt)}`);
    expect(text).toContain('電話番号: ０３－１２３４－５６７８');
    expect(text).toContain('お問い合わせ内容: 来週デモを見たい 10名規模');
    expect(text).toContain(`リードを開く: ${runtime.consoleUrl}#/lead/${leadId}`);
    expect(mail?.body.html).toContain(`<a href="${runtime.consoleUrl}#/lead/${leadId}">`);
    // Nobody else was told about it.
    const others = ['n.kobayashi', 'a.nakamura', 't.yoshida'].filter((o) => !owner.email.startsWith(o));
    for (const other of others) expect(await alertsAbout(`${other}@example.co.jp`, leadId)).toEqual([]);
    const { keys } = await import('#store/keys');
    expect(await getItem(keys.ownerAlert(detailOf<{ eventId: string }>(handedOff).eventId))).toMatchObject({
      messageId: mail?.messageId,
    });
  });

  it('given SES throttles the mail, when the event arrives, then the run fails and gives the claim back, and the retry sends the mail once', async () => {
    // Arrange: a hand-off whose delivery to the owner-alerts function is replayed by hand below
    const { leadId, handedOff, owner, key, before } = await undeliveredHandOff('owner-alert-throttled');
    const { sesClient } = await import('#adapters/ses');
    const fault = injectFault(sesClient, { operations: ['SendEmail'], nth: 1, error: throttling });

    // Act
    const failed = runtime.invoke('owner-alerts', handedOff as DeliveredEvent);
    await expect(failed).rejects.toThrow();
    const claimAfterFailure = await getItem(key);
    fault.remove();
    const retried = await runtime.invoke('owner-alerts', handedOff as DeliveredEvent);

    // Assert
    expect(fault.fired()).toBe(1);
    expect(claimAfterFailure).toBeUndefined();
    expect(retried).toMatchObject({ outcome: 'mailed', mails: [{ to: owner, outcome: 'sent' }] });
    expect((await alertsAbout(owner, leadId)).length).toBe(before + 1);
  });

  it('given SES took the mail but its answer was lost (a timeout), when the event arrives and is retried, then the claim stays and the owner has the mail once', async () => {
    // Arrange
    const { leadId, handedOff, owner, key, before } = await undeliveredHandOff('owner-alert-timeout');
    const { sesClient } = await import('#adapters/ses');
    const fault = injectFault(sesClient, {
      operations: ['SendEmail'],
      nth: 1,
      error: timedOut,
      when: 'after',
    });

    // Act
    const first = await runtime.invoke('owner-alerts', handedOff as DeliveredEvent);
    fault.remove();
    const again = await runtime.invoke('owner-alerts', handedOff as DeliveredEvent);

    // Assert
    expect(fault.fired()).toBe(1);
    expect(first).toEqual({ outcome: 'mailed', mails: [{ to: owner, outcome: 'uncertain' }] });
    expect(again).toEqual({ outcome: 'mailed', mails: [{ to: owner, outcome: 'already_sent' }] });
    expect(await getItem(key)).toBeDefined();
    expect((await alertsAbout(owner, leadId)).length).toBe(before + 1);
  });

  it('given nobody accepts within the accept deadline, when the SLA timer runs, then the owner who missed it is told once that the lead went to a colleague, and the colleague gets it with their own deadlines', async () => {
    // Arrange
    const { leadId, company } = await demoRequest('owner-alert-breach');
    const first = (await viewOf(leadId)).owner;
    if (!first) throw new Error('not handed off');

    // Act: past the 30 business minutes (three days cover any weekend or holiday)
    await runtime.advanceClock(72 * HOUR);
    await runtime.sweep();
    await runtime.settle();

    // Assert
    const after = await viewOf(leadId);
    const second = after.owner;
    if (!second || !after.handoff) throw new Error('no owner after the breach');
    expect(second.ownerId).not.toBe(first.ownerId);
    // One mail each about the reassignment, though both clocks of 小林's ran out in that sweep.
    const toFirst = (await alertsAbout(first.email, leadId)).map((m) => m.subject);
    expect(toFirst).toEqual([
      `【リード割り当て】${company} 山田 太郎 様(問い合わせ・デモ依頼)`,
      `【担当変更】${company} 山田 太郎 様`,
    ]);
    const [, taken] = await alertsAbout(first.email, leadId);
    expect(taken?.body.text).toContain(
      `受諾期限を過ぎたため、このリードは ${second.name} さんに再割り当てされました。`,
    );
    const reassigned = await alertsAbout(second.email, leadId);
    expect(reassigned.map((m) => m.subject)).toEqual([
      `【リード再割り当て】${company} 山田 太郎 様(問い合わせ・デモ依頼)`,
    ]);
    expect(reassigned[0]?.body.text).toContain(
      `${first.name} さんが受諾期限までに受諾しなかったため、再割り当てされました。`,
    );
    expect(reassigned[0]?.body.text).toContain(`受諾期限: ${tokyo(after.handoff.dueAt)}`);
  });

  it('given an owner who planned a call, when its time comes, then they get one reminder with the planned time', async () => {
    // Arrange: accepted, a call made and the next one planned in two hours
    const { leadId, company } = await demoRequest('owner-alert-follow-up');
    const owner = (await viewOf(leadId)).owner;
    if (!owner) throw new Error('not handed off');
    const { now } = await import('#adapters/clock');
    const accepted = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/accept`, {
      actionId: `accept-${leadId}`,
      by: owner.ownerId,
    });
    expect(accepted.status).toBe(200);
    const plannedAt = new Date(now() + 2 * HOUR).toISOString();
    const called = await api(runtime).opsPost(`/v1/ops/leads/${leadId}/activities`, {
      activityId: `call-${leadId}`,
      type: 'call',
      outcome: 'no_answer',
      occurredAt: new Date(now()).toISOString(),
      by: owner.ownerId,
      followUpAt: plannedAt,
    });
    expect(called.status).toBe(201);

    // Act
    await runtime.advanceClock(2 * HOUR + 60_000);
    await runtime.sweep();
    await runtime.sweep();
    await runtime.settle();

    // Assert: the hand-off mail, then the reminder (accepting sent nothing)
    const mails = await alertsAbout(owner.email, leadId);
    expect(mails.map((m) => m.subject)).toEqual([
      `【リード割り当て】${company} 山田 太郎 様(問い合わせ・デモ依頼)`,
      `【次回連絡予定】${company} 山田 太郎 様 ${tokyo(plannedAt)}`,
    ]);
  });

  it('given an event the function cannot read, when it arrives, then it is dropped (a retry would not read it either) and nothing is mailed or claimed', async () => {
    // Act
    const dropped = await runtime.invoke('owner-alerts', {
      id: `broken-${RUN}`,
      'detail-type': 'Lead Handed Off',
      source: 'leadloop.leads',
      detail: { eventId: `broken-${RUN}`, leadId: '', handoffNumber: 0 },
    } as unknown as DeliveredEvent);

    // Assert
    expect(dropped).toEqual({ outcome: 'skipped', why: 'unreadable' });
    const { keys } = await import('#store/keys');
    expect(await getItem(keys.ownerAlert(`broken-${RUN}`))).toBeUndefined();
  });

  it('given a business card 佐藤 entered for himself, then no mail; one 中島 (marketing) entered for 鈴木 mails 鈴木 once, naming 中島; a hand-off by hand mails its owner with the reason', async () => {
    // Arrange
    const sales = await personToken('sales');
    const marketing = await personToken('marketing');
    const card = (label: string, ownerId: string) => ({
      email: `owner-alert-${label}-${RUN}@example.co.jp`,
      attributes: { lastName: '佐藤', firstName: '花子', company: `株式会社名刺${label}${RUN}` },
      channel: 'event',
      source: '展示会 2030 東京',
      consentBasis: 'business_card',
      ownerId,
    });
    const other = (await api(runtime).postForm('whitepaper', {
      ...contactForm(`owner-alert-manual-${RUN}@example.co.jp`),
      employees: '300-999',
    })) as Response;
    expect(other.status).toBe(201);
    await runtime.settle();
    const otherId = (
      (await (
        await api(runtime).opsGet(`/v1/ops/leads?email=owner-alert-manual-${RUN}@example.co.jp`)
      ).json()) as { leadId: string }
    ).leadId;

    // Act
    const own = await postAs(sales, '/v1/ops/leads', card('own', 'sato'));
    const forSuzuki = await postAs(marketing, '/v1/ops/leads', card('for-suzuki', 'suzuki'));
    const handedOver = await api(runtime).opsPost(`/v1/ops/leads/${otherId}/handoff`, {
      actionId: `handoff-${otherId}`,
      reason: '既存顧客の紹介',
      ownerId: 'suzuki',
    });
    await runtime.settle();

    // Assert
    expect([own.status, forSuzuki.status, handedOver.status]).toEqual([201, 201, 200]);
    const ownId = ((await own.json()) as { leadId: string }).leadId;
    const suzukiId = ((await forSuzuki.json()) as { leadId: string }).leadId;
    expect(eventsOf(runtime, ownId, 'Lead Handed Off')).toHaveLength(1);
    expect(await alertsAbout('k.sato@example.co.jp', ownId)).toEqual([]);
    const entered = await alertsAbout('h.suzuki@example.co.jp', suzukiId);
    expect(entered.map((m) => m.subject)).toEqual([
      `【リード割り当て】株式会社名刺for-suzuki${RUN} 佐藤 花子 様(手動)`,
    ]);
    expect(entered[0]?.body.text).toContain(
      '中島 美穂 さんが登録したリードで、担当者にあなたが指定されました。',
    );
    const manual = await alertsAbout('h.suzuki@example.co.jp', otherId);
    expect(manual.map((m) => m.subject)).toEqual([`【リード割り当て】株式会社テスト商事 山田 太郎 様(手動)`]);
    expect(manual[0]?.body.text).toContain(
      'API 連携(local-ops-token)からリードが割り当てられました。(既存顧客の紹介)',
    );
  });

  it('given 中島 (marketing) imports three cards for 佐藤, then 佐藤 gets one mail listing them with the call list (no mail per row); the same file again mails nothing; 佐藤 importing for himself mails nothing', async () => {
    // Arrange
    const marketing = await personToken('marketing');
    const csv = (label: string) =>
      [
        '会社名,氏名,メールアドレス,電話番号',
        ...[1, 2, 3].map(
          (i) =>
            `株式会社取込${label}${i}${RUN},山田 ${i}郎,import-${label}-${i}-${RUN}@example.co.jp,03-1111-000${i}`,
        ),
      ].join('\n');
    const options = { channel: 'event', source: `展示会 ${RUN}`, consent: 'business_card', ownerId: 'sato' };
    const before = (await inbox(ses(), 'k.sato@example.co.jp')).length;

    // Act
    const first = await postAs(marketing, '/v1/ops/imports', { csv: csv('a'), ...options });
    await runtime.settle();
    const again = await postAs(marketing, '/v1/ops/imports', { csv: csv('a'), ...options });
    await runtime.settle();

    // Assert
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(((await first.json()) as { ownerMail?: unknown }).ownerMail).toEqual({ outcome: 'sent' });
    expect(((await again.json()) as { ownerMail?: unknown }).ownerMail).toEqual({ outcome: 'already_sent' });
    const mails = (await inbox(ses(), 'k.sato@example.co.jp')).slice(before);
    expect(mails.map((m) => m.subject)).toEqual([`【リード一括割り当て】展示会 ${RUN}: 3件`]);
    const text = mails[0]?.body.text ?? '';
    expect(text).toContain('中島 美穂 さんの CSV 取り込みで、3 件のリードがあなたの担当になりました');
    expect(text).toContain(`1. 株式会社取込a1${RUN} 山田 1郎 様 / 03-1111-0001`);
    expect(text).toContain(`3. 株式会社取込a3${RUN} 山田 3郎 様 / 03-1111-0003`);
    expect(text).toContain('#/calls');
    // By when: the earliest deadlines of the three hand-offs, in the SLA's zone.
    const { findLeadIdByEmail, getLead } = await import('#store/leads');
    const { formatDeadlineJa } = await import('#domain/handoff/owner-alert');
    const handoffs = await Promise.all(
      [1, 2, 3].map(async (i) => {
        const id = await findLeadIdByEmail(`import-a-${i}-${RUN}@example.co.jp`);
        return (await getLead(id ?? ''))?.state.handoff;
      }),
    );
    const earliest = (pick: (h: NonNullable<(typeof handoffs)[number]>) => number | undefined) =>
      Math.min(...handoffs.map((h) => (h ? (pick(h) ?? Number.NaN) : Number.NaN)));
    expect(text).toContain(
      `受諾期限: ${formatDeadlineJa(
        earliest((h) => h.dueAt),
        'Asia/Tokyo',
      )}`,
    );
    expect(text).toMatch(/初回接触期限: \d+月\d+日/);

    // Act: 佐藤 runs an import for himself (the use case behind the route and the CLI, as a person's token names him)
    const { importLeads } = await import('#app/import-leads');
    const own = await importLeads({
      bytes: Buffer.from(csv('b')),
      options: { ...options, channel: 'event', consent: 'business_card' },
      by: 'sato',
    });

    // Assert
    expect(own.kind === 'done' && own.summary.ownerMail).toEqual({ outcome: 'skipped', why: 'own_import' });
    expect(own.kind === 'done' && own.summary.created).toBe(3);
    await runtime.settle();
    expect((await inbox(ses(), 'k.sato@example.co.jp')).slice(before)).toHaveLength(1);
  });

  it('given SES throttles an import’s mail to its owner, then the import still answers done with ownerMail failed and gives the claim back; the same file again sends the mail once', async () => {
    // Arrange
    const { importLeads } = await import('#app/import-leads');
    const { sesClient } = await import('#adapters/ses');
    const csv = `会社名,氏名,メールアドレス\n株式会社再送${RUN},山田 太郎,import-retry-${RUN}@example.co.jp\n`;
    const input = {
      bytes: Buffer.from(csv),
      options: { channel: 'event', source: `再送 ${RUN}`, consent: 'business_card', ownerId: 'suzuki' },
      by: 'm.nakajima@example.co.jp',
    } as const;
    const fault = injectFault(sesClient, { operations: ['SendEmail'], nth: 1, error: throttling });

    // Act
    const first = await importLeads(input);
    fault.remove();
    const again = await importLeads(input);

    // Assert
    expect(first.kind === 'done' && first.summary).toMatchObject({
      created: 1,
      ownerMail: { outcome: 'failed' },
    });
    expect(again.kind === 'done' && again.summary).toMatchObject({
      skipped: 1,
      ownerMail: { outcome: 'sent' },
    });
    const mails = (await inbox(ses(), 'h.suzuki@example.co.jp')).filter((m) =>
      m.subject.includes(`再送 ${RUN}`),
    );
    expect(mails.map((m) => m.subject)).toEqual([`【リード一括割り当て】再送 ${RUN}: 1件`]);
  });
});
