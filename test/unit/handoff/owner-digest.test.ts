import { describe, expect, it } from 'vitest';
import {
  isListMorning,
  MORNING_LIST_LINES,
  morningList,
  nextMorningListAt,
  type QueuedLead,
  queueMayHoldMore,
} from '#domain/handoff/owner-digest';
import type { OwnerRef } from '#domain/lead/events';
import { DEFAULT_WINDOW } from '#domain/nurture/calendar';

const HOUR = 3_600_000;
/** Tuesday 2030-01-15 08:30 in Tokyo (the Monday before is 成人の日, a holiday). */
const NOW = Date.parse('2030-01-14T23:30:00Z');
const tokyo = (local: string) => Date.parse(`${local}+09:00`);
const window = { ...DEFAULT_WINDOW, closedDates: ['12-29', '12-30', '12-31', '01-01', '01-02', '01-03'] };
const CONTEXT = { now: NOW, window, consoleUrl: 'https://console.example.co.jp/' };
const sato: OwnerRef = {
  ownerId: 'sato',
  name: '佐藤 健',
  email: 'k.sato@example.co.jp',
  team: 'inside-sales',
};

const lead = (id: string, extra: Partial<QueuedLead> = {}): QueuedLead => ({
  leadId: id,
  name: `山田 ${id}`,
  company: `株式会社${id}`,
  phone: '03-1234-5678',
  email: `${id}@example.co.jp`,
  due: null,
  followUpAt: null,
  ...extra,
});

describe('the morning list', () => {
  it('given an overdue accept, a first contact due today, a call planned for today, one planned for tomorrow and a lead with nothing due, then one mail lists the first three, most urgent first, with the link to the queue', () => {
    // Arrange
    const queue = [
      lead('A', { due: { clock: 'accept', at: tokyo('2030-01-11T17:00:00') } }),
      lead('B', { due: { clock: 'first_contact', at: tokyo('2030-01-15T11:00:00') } }),
      lead('C', { followUpAt: tokyo('2030-01-15T14:30:00'), phone: null }),
      lead('D', { followUpAt: tokyo('2030-01-16T10:00:00') }),
      lead('E'),
    ];

    // Act
    const mail = morningList(sato, queue, CONTEXT);

    // Assert
    if ('skip' in mail) throw new Error(mail.skip);
    expect(mail.claimId).toBe('morning:sato:2030-01-15');
    expect(mail.to).toBe('k.sato@example.co.jp');
    expect(mail.subject).toBe('【本日の対応予定】期限超過 1件・本日期限 1件・次回連絡 1件');
    expect(mail.text.split('\n')).toEqual([
      '佐藤 健 さん',
      '',
      '本日の対応予定です。期限の近いものから対応してください。',
      '',
      '■ 期限超過(1件)',
      '・株式会社A 山田 A 様 / 03-1234-5678(受諾期限 1月11日(金) 17:00)',
      '',
      '■ 本日期限(1件)',
      '・株式会社B 山田 B 様 / 03-1234-5678(初回接触期限 1月15日(火) 11:00)',
      '',
      '■ 本日の次回連絡予定(1件)',
      '・株式会社C 山田 C 様(次回連絡 1月15日(火) 14:30)',
      '',
      '担当リードを開く: https://console.example.co.jp/#/leads',
    ]);
    expect(mail.html).toContain('<a href="https://console.example.co.jp/#/leads">');
  });

  it('given a planned call that passed without a contact, then it is listed with today’s calls; a lead with both a deadline and a call shows both times', () => {
    const mail = morningList(
      sato,
      [
        lead('F', { followUpAt: NOW - 20 * HOUR }),
        lead('G', {
          due: { clock: 'first_contact', at: NOW + 2 * HOUR },
          followUpAt: NOW + HOUR,
        }),
      ],
      CONTEXT,
    );
    if ('skip' in mail) throw new Error(mail.skip);
    expect(mail.text).toContain('■ 本日の次回連絡予定(1件)\n・株式会社F');
    expect(mail.text).toContain('(初回接触期限 1月15日(火) 10:30、次回連絡 1月15日(火) 09:30)');
  });

  it('given nothing due today, then no mail', () => {
    expect(morningList(sato, [lead('D', { followUpAt: NOW + 30 * HOUR }), lead('E')], CONTEXT)).toEqual({
      skip: 'nothing_due',
    });
    expect(morningList(sato, [], CONTEXT)).toEqual({ skip: 'nothing_due' });
  });

  it('given more overdue leads than a section lists, then the count is whole and the rest are counted', () => {
    const many = Array.from({ length: MORNING_LIST_LINES + 3 }, (_, i) =>
      lead(`L${i}`, { due: { clock: 'accept', at: NOW - (i + 1) * HOUR } }),
    );
    const mail = morningList(sato, many, CONTEXT);
    if ('skip' in mail) throw new Error(mail.skip);
    expect(mail.subject).toBe(`【本日の対応予定】期限超過 ${MORNING_LIST_LINES + 3}件`);
    expect(mail.text.split('\n').filter((l) => l.startsWith('・'))).toHaveLength(MORNING_LIST_LINES);
    expect(mail.text).toContain('ほか 3 件');
  });

  it('given a page of the queue (ordered by what comes first), then the next page is read only while the page’s last lead still asks something of the owner today', () => {
    const overdue = lead('A', { due: { clock: 'accept', at: NOW - HOUR } });
    const callToday = lead('C', { followUpAt: NOW + 5 * HOUR });
    const tomorrow = lead('D', { due: { clock: 'first_contact', at: NOW + 30 * HOUR } });
    expect(queueMayHoldMore([overdue], CONTEXT)).toBe(true);
    expect(queueMayHoldMore([overdue, callToday], CONTEXT)).toBe(true);
    expect(queueMayHoldMore([overdue, callToday, tomorrow], CONTEXT)).toBe(false);
    expect(queueMayHoldMore([overdue, lead('E')], CONTEXT)).toBe(false);
    expect(queueMayHoldMore([], CONTEXT)).toBe(false);
  });

  it('goes out on the hand-off clocks’ business mornings: not on 成人の日, a weekend or the New Year closure', () => {
    expect(isListMorning(NOW, window)).toBe(true);
    expect(isListMorning(tokyo('2030-01-14T08:30:00'), window)).toBe(false); // 成人の日
    expect(isListMorning(tokyo('2030-01-12T08:30:00'), window)).toBe(false); // Saturday
    expect(isListMorning(tokyo('2030-12-30T08:30:00'), window)).toBe(false); // 年末年始
    // From Friday after the list: Tuesday (Monday is a holiday); before 08:30: the same morning; at 08:30: now.
    expect(nextMorningListAt(tokyo('2030-01-11T09:00:00'), '08:30', window)).toBe(NOW);
    expect(nextMorningListAt(tokyo('2030-01-15T07:00:00'), '08:30', window)).toBe(NOW);
    expect(nextMorningListAt(NOW, '08:30', window)).toBe(NOW);
    expect(nextMorningListAt(NOW + 60_000, '08:30', window)).toBe(tokyo('2030-01-16T08:30:00'));
  });
});
