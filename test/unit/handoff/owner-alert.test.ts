import { describe, expect, it } from 'vitest';
import { ENTRY_HANDOFF_REASON, IMPORT_HANDOFF_REASON } from '#domain/capture/manual-entry';
import {
  formatDeadlineJa,
  IMPORT_MAIL_LISTED,
  type ImportAlert,
  importAlert,
  type OwnerAlertEvent,
  type OwnerAlertMail,
  ownerAlert,
} from '#domain/handoff/owner-alert';
import type { HandoffState } from '#domain/handoff/sla';
import type { OwnerRef } from '#domain/lead/events';
import { listLead } from '../../support/fixtures.ts';

const MINUTE = 60_000;
const NOW = Date.parse('2030-01-15T01:17:00Z'); // Tuesday 10:17 in Tokyo
const sato: OwnerRef = {
  ownerId: 'sato',
  name: '佐藤 健',
  email: 'k.sato@example.co.jp',
  team: 'inside-sales',
};
const kato: OwnerRef = {
  ownerId: 'kato',
  name: '加藤 優',
  email: 'y.kato@example.co.jp',
  team: 'inside-sales',
};
const CONTEXT = {
  timeZone: 'Asia/Tokyo',
  consoleUrl: 'https://console.example.co.jp/',
  people: [sato, kato, { email: 'm.nakajima@example.co.jp', name: '中島 美穂' }],
};

const lead = (handoff: Partial<HandoffState> = {}, extra: { company?: string; message?: string } = {}) => {
  const l = listLead(
    {
      id: 'lead-1',
      score: 73,
      temperature: 'warm',
      owner: 'sato',
      company: extra.company ?? '株式会社サンプル商事',
      lastName: '山田',
      handoff: {
        owner: sato,
        trigger: 'inquiry',
        dueAt: NOW + 30 * MINUTE,
        firstContactDueAt: NOW + 60 * MINUTE,
        ...handoff,
      },
    },
    NOW,
  );
  if (extra.message) l.profile.attributes.message = extra.message;
  return l;
};
const base = { eventId: 'lead-1:handoff:1', leadId: 'lead-1', handoffNumber: 1, owner: sato };
const handedOff: OwnerAlertEvent = { type: 'Lead Handed Off', ...base, trigger: 'inquiry' };
const mailsOf = (result: ReturnType<typeof ownerAlert>): OwnerAlertMail[] => {
  if (!Array.isArray(result)) throw new Error(`skipped: ${result.skip}`);
  return result;
};

describe('owner alert mails', () => {
  it('given a demo request handed to 佐藤, then one mail to 佐藤: who the lead is, how to reach them, both deadlines on the Tokyo clock and the link to the lead', () => {
    const [mail, ...more] = mailsOf(ownerAlert(handedOff, lead({}, { message: 'デモ希望\n 至急' }), CONTEXT));
    expect(more).toEqual([]);
    expect(mail).toMatchObject({
      claimId: 'lead-1:handoff:1',
      to: 'k.sato@example.co.jp',
      subject: '【リード割り当て】株式会社サンプル商事 山田 花子 様(問い合わせ・デモ依頼)',
    });
    expect(mail?.text.split('\n')).toEqual([
      '佐藤 健 さん',
      '',
      'お問い合わせがありました。',
      '',
      '受諾期限: 1月15日(火) 10:47',
      '初回接触期限: 1月15日(火) 11:17',
      '',
      '受諾して、期限までに初回の連絡をしてください。',
      '',
      '会社名: 株式会社サンプル商事',
      '部署・役職: 部長',
      '氏名: 山田 花子',
      '電話番号: 03-0000-0000',
      'メール: lead-1@example.co.jp',
      'スコア: 73(ウォーム)/ ステージ: MQL',
      'お問い合わせ内容: デモ希望 至急',
      '',
      'リードを開く: https://console.example.co.jp/#/lead/lead-1',
    ]);
  });

  it('given a company name with markup, then the HTML part shows it as text, and the link is the only element besides the lines', () => {
    const [mail] = mailsOf(ownerAlert(handedOff, lead({}, { company: '<b>株式会社&テスト</b>' }), CONTEXT));
    expect(mail?.html).toContain('会社名: &lt;b&gt;株式会社&amp;テスト&lt;/b&gt;');
    expect(mail?.html).not.toContain('<b>');
    expect(mail?.html).toContain(
      'リードを開く: <a href="https://console.example.co.jp/#/lead/lead-1">https://console.example.co.jp/#/lead/lead-1</a>',
    );
  });

  it('given no console address, then the mail names the lead by its id', () => {
    const [mail] = mailsOf(ownerAlert(handedOff, lead(), { timeZone: 'Asia/Tokyo' }));
    expect(mail?.text.endsWith('リードID: lead-1')).toBe(true);
    expect(mail?.html).not.toContain('<a ');
  });

  it('given the lead moved on before the mail went (accepted, reassigned, closed, a later hand-off) or the owner took it themselves, or it was entered with its owner named (an import of a hundred cards), then no mail', () => {
    expect(ownerAlert(handedOff, lead({ acceptedAt: NOW }), CONTEXT)).toEqual({ skip: 'accepted' });
    expect(ownerAlert(handedOff, lead({ owner: kato }), CONTEXT)).toEqual({ skip: 'superseded' });
    expect(ownerAlert(handedOff, lead({ closedAt: NOW }), CONTEXT)).toEqual({ skip: 'superseded' });
    expect(ownerAlert(handedOff, lead({ n: 2 }), CONTEXT)).toEqual({ skip: 'superseded' });
    expect(ownerAlert({ ...handedOff, trigger: 'accept' }, lead(), CONTEXT)).toEqual({ skip: 'accepted' });
    const entered: OwnerAlertEvent = { ...handedOff, trigger: 'manual', reason: ENTRY_HANDOFF_REASON };
    // Before hand-offs said who opened them, an entry's owner was whoever entered it.
    expect(ownerAlert(entered, lead({ trigger: 'manual' }), CONTEXT)).toEqual({ skip: 'own_handoff' });
    for (const by of ['sato', 'K.Sato@example.co.jp'])
      expect(ownerAlert({ ...entered, by }, lead({ trigger: 'manual' }), CONTEXT)).toEqual({
        skip: 'own_handoff',
      });
    const toSelf: OwnerAlertEvent = { ...handedOff, trigger: 'manual', reason: '自分で対応', by: 'sato' };
    expect(ownerAlert(toSelf, lead({ trigger: 'manual' }), CONTEXT)).toEqual({ skip: 'own_handoff' });
    const imported: OwnerAlertEvent = {
      ...handedOff,
      trigger: 'manual',
      reason: IMPORT_HANDOFF_REASON,
      by: 'kato',
    };
    expect(ownerAlert(imported, lead({ trigger: 'manual' }), CONTEXT)).toEqual({ skip: 'told_by_import' });
    const assignedAtHandoff: OwnerAlertEvent = { type: 'Lead Assigned', ...base, reason: 'handoff' };
    expect(ownerAlert(assignedAtHandoff, lead(), CONTEXT)).toEqual({ skip: 'told_by_handoff' });
    const assignedByHand: OwnerAlertEvent = { type: 'Lead Assigned', ...base, reason: 'manual' };
    expect(ownerAlert(assignedByHand, lead(), CONTEXT)).toEqual({ skip: 'told_by_handoff' });
  });

  it('given a manual hand-off with a reason, then the mail gives the person’s reason; an automatic trigger’s own wording is not shown', () => {
    const manual: OwnerAlertEvent = { ...handedOff, trigger: 'manual', reason: '展示会で名刺交換' };
    const [mail] = mailsOf(ownerAlert(manual, lead({ trigger: 'manual' }), CONTEXT));
    expect(mail?.text).toContain('リードが割り当てられました。(展示会で名刺交換)');
    const [inquiry] = mailsOf(
      ownerAlert({ ...handedOff, reason: "inquiry form 'contact'" }, lead(), CONTEXT),
    );
    expect(inquiry?.text).not.toContain('inquiry form');
  });

  it('given 加藤 entered a card and named 佐藤 its owner, or handed 佐藤 a lead from the call list, then 佐藤 is mailed and told by whom', () => {
    const entered: OwnerAlertEvent = {
      ...handedOff,
      trigger: 'manual',
      reason: ENTRY_HANDOFF_REASON,
      by: 'y.kato@example.co.jp',
    };
    const [mail, ...more] = mailsOf(ownerAlert(entered, lead({ trigger: 'manual' }), CONTEXT));
    expect(more).toEqual([]);
    expect(mail?.to).toBe('k.sato@example.co.jp');
    expect(mail?.text).toContain('加藤 優 さんが登録したリードで、担当者にあなたが指定されました。');
    expect(mail?.text).not.toContain(ENTRY_HANDOFF_REASON);
    const byHand: OwnerAlertEvent = {
      ...handedOff,
      trigger: 'manual',
      reason: '展示会で名刺交換',
      by: 'kato',
    };
    const [handed] = mailsOf(ownerAlert(byHand, lead({ trigger: 'manual' }), CONTEXT));
    expect(handed?.text).toContain('加藤 優 さんからリードが割り当てられました。(展示会で名刺交換)');
    // A machine client (the CRM) is named as the token names it.
    const [crm] = mailsOf(
      ownerAlert({ ...byHand, by: 'client:crm-sync' }, lead({ trigger: 'manual' }), CONTEXT),
    );
    expect(crm?.text).toContain('API 連携(crm-sync)からリードが割り当てられました。');
    // Someone who signs in but is no owner (marketing) is named too; an address nobody configured, as it is.
    const [ops] = mailsOf(
      ownerAlert({ ...entered, by: 'm.nakajima@example.co.jp' }, lead({ trigger: 'manual' }), CONTEXT),
    );
    expect(ops?.text).toContain('中島 美穂 さんが登録したリードで');
    const [unknown] = mailsOf(
      ownerAlert({ ...entered, by: 'temp@example.co.jp' }, lead({ trigger: 'manual' }), CONTEXT),
    );
    expect(unknown?.text).toContain('temp@example.co.jp さんが登録したリードで');
  });

  it('given the SLA timer reassigned the lead from 佐藤 to 加藤, then 加藤 gets it with their own deadlines and 佐藤 is told it was taken; the breaches of that run send nothing more', () => {
    const reassigned = lead({ owner: kato, dueAt: NOW + 30 * MINUTE, reassignments: 1 });
    const assigned: OwnerAlertEvent = {
      type: 'Lead Assigned',
      ...base,
      eventId: 'lead-1:assign:1:1',
      owner: kato,
      previousOwner: sato,
      reason: 'sla_reassign',
    };
    const mails = mailsOf(ownerAlert(assigned, reassigned, CONTEXT));
    expect(mails.map((m) => [m.to, m.claimId, m.subject])).toEqual([
      [
        'y.kato@example.co.jp',
        'lead-1:assign:1:1',
        '【リード再割り当て】株式会社サンプル商事 山田 花子 様(問い合わせ・デモ依頼)',
      ],
      ['k.sato@example.co.jp', 'lead-1:assign:1:1:previous', '【担当変更】株式会社サンプル商事 山田 花子 様'],
    ]);
    expect(mails[0]?.text).toContain(
      '佐藤 健 さんが受諾期限までに受諾しなかったため、再割り当てされました。',
    );
    expect(mails[0]?.text).toContain('受諾期限: 1月15日(火) 10:47');
    expect(mails[1]?.text).toContain(
      '受諾期限を過ぎたため、このリードは 加藤 優 さんに再割り当てされました。',
    );
    for (const clock of ['accept', 'first_contact'] as const)
      expect(
        ownerAlert(
          { type: 'Lead SLA Breached', ...base, clock, dueAt: NOW, reassignTo: kato },
          reassigned,
          CONTEXT,
        ),
      ).toEqual({ skip: 'told_by_other_mail' });
  });

  it('given a manager reassigned a lead 佐藤 had already accepted to 加藤, then 加藤 is told it is theirs now (no accept asked, the first-contact deadline if still open) and 佐藤 that it is no longer theirs', () => {
    const assigned: OwnerAlertEvent = {
      type: 'Lead Assigned',
      ...base,
      owner: kato,
      previousOwner: sato,
      reason: 'manual',
    };
    const mails = mailsOf(ownerAlert(assigned, lead({ owner: kato, acceptedAt: NOW }), CONTEXT));
    expect(mails.map((m) => m.to)).toEqual(['y.kato@example.co.jp', 'k.sato@example.co.jp']);
    expect(mails[0]?.text).toContain(
      '担当者の変更で割り当てられました。\n\n初回接触期限: 1月15日(火) 11:17\n\n受諾済みのリードです。',
    );
    expect(mails[0]?.text).not.toContain('受諾期限');
    expect(mails[1]?.text).toContain('このリードは 加藤 優 さんの担当に変わりました。');
    const contacted = lead({ owner: kato, acceptedAt: NOW, firstContactAt: NOW });
    const [worked] = mailsOf(ownerAlert(assigned, contacted, CONTEXT));
    expect(worked?.text).toContain(
      '担当者の変更で割り当てられました。\n\n受諾・初回接触済みのリードです。引き続き対応をお願いします。',
    );
  });

  it('given a deadline passed with nobody to take over, then the owner is told to act; a first-contact breach of a lead never accepted adds no second mail', () => {
    const accept: OwnerAlertEvent = { type: 'Lead SLA Breached', ...base, clock: 'accept', dueAt: NOW };
    const [mail] = mailsOf(ownerAlert(accept, lead(), CONTEXT));
    expect(mail?.subject).toBe('【期限超過】株式会社サンプル商事 山田 花子 様: 受諾期限 1月15日(火) 10:17');
    expect(mail?.text).toContain('受諾期限(1月15日(火) 10:17)を過ぎました。至急対応してください。');
    const firstContact: OwnerAlertEvent = { ...accept, clock: 'first_contact' };
    expect(ownerAlert(firstContact, lead(), CONTEXT)).toEqual({ skip: 'told_by_other_mail' });
    const [late] = mailsOf(ownerAlert(firstContact, lead({ acceptedAt: NOW - MINUTE }), CONTEXT));
    expect(late?.subject).toContain('初回接触期限');
  });

  it('given a planned call comes due, then its owner gets a reminder with the time; not once the lead is someone else’s', () => {
    const due: OwnerAlertEvent = {
      type: 'Lead Follow-up Due',
      ...base,
      dueAt: Date.parse('2030-01-16T05:30:00Z'),
      plannedBy: 'sato',
    };
    const [mail] = mailsOf(ownerAlert(due, lead({ acceptedAt: NOW }), CONTEXT));
    expect(mail?.subject).toBe('【次回連絡予定】株式会社サンプル商事 山田 花子 様 1月16日(水) 14:30');
    expect(ownerAlert(due, lead({ owner: kato }), CONTEXT)).toEqual({ skip: 'superseded' });
  });

  it('formats deadlines as a Japanese team writes them, on the zone’s wall clock', () => {
    expect(formatDeadlineJa(Date.parse('2030-12-31T15:05:00Z'), 'Asia/Tokyo')).toBe('1月1日(水) 00:05');
    expect(formatDeadlineJa(Date.parse('2030-12-31T15:05:00Z'), 'UTC')).toBe('12月31日(火) 15:05');
  });
});

describe('an import given to an owner', () => {
  const row = (i: number) => ({
    leadId: `lead-${i}`,
    email: `user${i}@example.co.jp`,
    company: `株式会社テスト${i}`,
    lastName: '山田',
    firstName: `${i}郎`,
    phone: `03-0000-${String(i).padStart(4, '0')}`,
  });
  const alert = (extra: Partial<ImportAlert> = {}): ImportAlert => ({
    importId: 'abc123',
    owner: sato,
    by: 'kato',
    source: '展示会 2030 東京',
    leads: [row(1), row(2)],
    earlier: 0,
    ...extra,
  });
  const mailOf = (result: ReturnType<typeof importAlert>): OwnerAlertMail => {
    if ('skip' in result) throw new Error(`skipped: ${result.skip}`);
    return result;
  };

  it('given 加藤 imported two cards for 佐藤, then one mail to 佐藤, claimed by the import: how many, from which list, by whom, each lead with its phone, and the call list', () => {
    const mail = mailOf(importAlert(alert(), CONTEXT));
    expect(mail.claimId).toBe('import:abc123');
    expect(mail.to).toBe('k.sato@example.co.jp');
    expect(mail.subject).toBe('【リード一括割り当て】展示会 2030 東京: 2件');
    expect(mail.text.split('\n')).toEqual([
      '佐藤 健 さん',
      '',
      '加藤 優 さんの CSV 取り込みで、2 件のリードがあなたの担当になりました(取込元: 展示会 2030 東京)。',
      '架電リストで各リードを受諾し、期限までに初回の連絡をしてください。',
      '',
      '1. 株式会社テスト1 山田 1郎 様 / 03-0000-0001',
      '2. 株式会社テスト2 山田 2郎 様 / 03-0000-0002',
      '',
      '架電リストを開く: https://console.example.co.jp/#/calls',
    ]);
    expect(mail.html).toContain('<a href="https://console.example.co.jp/#/calls">');
  });

  it('given more rows than a mail lists, a resumed run, a row with no name or phone, or the CLI (nobody named), then the count is whole and the list is cut', () => {
    const many = Array.from({ length: IMPORT_MAIL_LISTED + 5 }, (_, i) => row(i + 1));
    const mail = mailOf(importAlert(alert({ leads: many, earlier: 3, by: undefined }), CONTEXT));
    expect(mail.subject).toContain(`${IMPORT_MAIL_LISTED + 8}件`);
    expect(mail.text).toContain(`CSV の取り込みで、${IMPORT_MAIL_LISTED + 8} 件のリード`);
    expect(mail.text).toContain(`${IMPORT_MAIL_LISTED}. 株式会社テスト${IMPORT_MAIL_LISTED} `);
    expect(mail.text).not.toContain(`${IMPORT_MAIL_LISTED + 1}. `);
    expect(mail.text).toContain('ほか 8 件');
    const resumed = mailOf(importAlert(alert({ leads: [], earlier: 2 }), CONTEXT));
    expect(resumed.text).toContain('(2 件は前回の取り込みで登録済みです。一覧は架電リストにあります)');
    const bare = mailOf(importAlert(alert({ leads: [{ leadId: 'x', email: 'a@example.jp' }] }), CONTEXT));
    expect(bare.text).toContain('1. a@example.jp\n');
  });

  it('given rows handed off with deadlines, then the mail names the accept and first-contact deadline under the ask, with "the earliest" only when they differ by a minute or more', () => {
    const due = (i: number, secondsLater: number) => ({
      ...row(i),
      acceptBy: NOW + 30 * MINUTE + secondsLater * 1000,
      firstContactBy: NOW + 24 * 60 * MINUTE + secondsLater * 1000,
    });
    const close = mailOf(importAlert(alert({ leads: [due(1, 0), due(2, 20)] }), CONTEXT));
    expect(close.text.split('\n').slice(3, 6)).toEqual([
      '架電リストで各リードを受諾し、期限までに初回の連絡をしてください。',
      '受諾期限: 1月15日(火) 10:47',
      '初回接触期限: 1月16日(水) 10:17',
    ]);
    const apart = mailOf(importAlert(alert({ leads: [due(1, 90), due(2, 0)] }), CONTEXT));
    expect(apart.text).toContain('受諾期限: 1月15日(火) 10:47(最も早いもの)\n');
    // Without a first-contact clock, only the accept deadline.
    const acceptOnly = mailOf(importAlert(alert({ leads: [{ ...row(1), acceptBy: NOW }] }), CONTEXT));
    expect(acceptOnly.text).toContain('受諾期限: 1月15日(火) 10:17\n\n1. ');
    expect(acceptOnly.text).not.toContain('初回接触期限');
  });

  it('given the owner imported for themselves, or the import gave them nothing, then no mail', () => {
    expect(importAlert(alert({ by: 'sato' }), CONTEXT)).toEqual({ skip: 'own_import' });
    expect(importAlert(alert({ by: 'k.sato@example.co.jp' }), CONTEXT)).toEqual({ skip: 'own_import' });
    expect(importAlert(alert({ leads: [] }), CONTEXT)).toEqual({ skip: 'nothing_assigned' });
  });
});
