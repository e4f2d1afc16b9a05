import { describe, expect, it } from 'vitest';
import { leadEntrySchema } from '#domain/capture/entry-schema';
import { leadEntryGate } from '#domain/capture/manual-entry';
import { salesActivitySchema } from '#domain/handoff/activities';
import { salesActivityGate } from '#domain/handoff/activity-gate';
import { issuesToFields } from '#http/api';
import { ApiError } from '../../../console/src/api.ts';
import { translate } from '../../../console/src/i18n.ts';
import { errorText } from '../../../console/src/ui.ts';

/**
 * The console words the API's request checks in Japanese: a rep who mistypes an address on リードを登録 reads
 * 「メールアドレス: @がありません」, not "email: not a valid e-mail address (missing_at)". Each case runs the
 * route's real check (the gate) and the contract's zod schema, so the wording is held to what they send.
 */
const ja = translate('ja');
const en = translate('en');

type Check = { safeParse: (value: unknown) => { success: boolean; error?: { issues: readonly unknown[] } } };
const refusal = (check: Check, body: unknown): ApiError => {
  const parsed = check.safeParse(body);
  expect(parsed.success).toBe(false);
  const fields = issuesToFields((parsed.error?.issues ?? []) as Parameters<typeof issuesToFields>[0]);
  return new ApiError(400, 'The request is invalid.', fields, 'bad_request');
};
const both = (gate: Check, schema: Check, body: unknown): [string, string] => {
  const fromGate = errorText(ja, refusal(gate, body));
  expect(errorText(ja, refusal(schema, body))).toBe(fromGate);
  return [fromGate, errorText(en, refusal(gate, body))];
};

const entry = {
  email: 'yamada@example.co.jp',
  attributes: { lastName: '山田', company: '株式会社山田製作所' },
  channel: 'event',
  source: '展示会 2026',
  consentBasis: 'business_card',
};
const activity = { activityId: 'call-1', type: 'call', outcome: 'connected', by: 'sato' };

describe('API field errors in the console’s words', () => {
  it.each([
    ['an address without @', { ...entry, email: 'yamada.example.co.jp' }, 'メールアドレス: @がありません'],
    [
      'a phone number with letters',
      { ...entry, attributes: { ...entry.attributes, phone: '03-1234-ABCD' } },
      '電話番号: 電話番号として読めません',
    ],
    [
      'a company name too long',
      { ...entry, attributes: { ...entry.attributes, company: '株'.repeat(300) } },
      '会社名: 200文字を超えています',
    ],
    ['an unknown channel', { ...entry, channel: 'tv' }, 'チャネル: 選択肢から選んでください'],
    ['an empty source', { ...entry, source: '   ' }, '取得元: 入力してください'],
    ['no consent basis', { ...entry, consentBasis: undefined }, '同意の根拠: 選択肢から選んでください'],
    ['a field the page does not send', { ...entry, extra: 1 }, 'この画面が送らない項目があります'],
  ])('given a manual entry with %s, then the refusal reads in Japanese', (_, body, expected) => {
    const [text, english] = both(leadEntryGate, leadEntrySchema, body);
    expect(text).toContain(expected);
    expect(text.startsWith('入力内容に誤りがあります (400): ')).toBe(true);
    // No English left: field paths and zod's messages are all worded.
    expect(text).not.toMatch(/[A-Za-z]{3,}/);
    // In English the API's own, more precise message stays.
    expect(english).toMatch(/\(400\): The request is invalid\. \(/);
  });

  it.each([
    ['a negative duration', { ...activity, durationSeconds: -5 }, '通話時間: 小さすぎます(下限 0)'],
    ['a note too long', { ...activity, note: 'x'.repeat(2001) }, 'メモ: 長すぎます(上限 2000)'],
    [
      'a time that is not ISO-8601',
      { ...activity, occurredAt: '昨日の10時' },
      '日時: 形式が正しくありません',
    ],
    ['a duration as text', { ...activity, durationSeconds: '60' }, '通話時間: 値の種類が正しくありません'],
  ])('given an activity with %s, then the refusal reads in Japanese', (_, body, expected) => {
    const [text] = both(salesActivityGate, salesActivitySchema(), body);
    expect(text).toContain(expected);
    expect(text).not.toMatch(/[A-Za-z]{3,}/);
  });

  it('given several problems at once, then each is named, in the order the check found them', () => {
    const [text] = both(leadEntryGate, leadEntrySchema, { ...entry, email: 'a@', channel: 'tv' });
    expect(text).toBe(
      '入力内容に誤りがあります (400): メールアドレス: @の後のドメインが正しくありません / チャネル: 選択肢から選んでください',
    );
  });
});
