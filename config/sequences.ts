/**
 * Step-email sequences and nurture settings (marketing ops edit this file).
 * Each step's delay counts from the previous step (the first from enrollment); a step due outside
 * the send window goes out at the next opening. Compliance exits (unsubscribed, suppressed, no
 * consent) always apply, whatever `exit` lists.
 */
import type { z } from 'zod';
import type { nurtureSettingsSchema, sequencesConfigSchema } from '#config/sequences';

export const nurtureSettings: z.input<typeof nurtureSettingsSchema> = {
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
};

export const sequences: z.input<typeof sequencesConfigSchema> = [
  {
    id: 'whitepaper-nurture',
    name: '資料ダウンロード後フォロー',
    entry: { kind: 'form', formIds: ['whitepaper', 'contact'] },
    steps: [
      { id: 'thanks', delay: { value: 0, unit: 'days' }, templateId: 'nurture-thanks' },
      { id: 'case-study', delay: { value: 3, unit: 'days' }, templateId: 'nurture-case-study' },
      // 3 + 4 = day 7 after the first mail.
      {
        id: 'consultation',
        delay: { value: 4, unit: 'days' },
        templateId: 'nurture-consultation',
        condition: 'not_hot',
      },
    ],
    exit: ['became_hot', 'reached_sal', 'unsubscribed', 'suppressed'],
    reentry: 'after_exit',
  },
  {
    id: 'recycle-nurture',
    name: 'リサイクルリード再育成',
    entry: { kind: 'recycled' },
    steps: [
      { id: 'checkin', delay: { value: 14, unit: 'days' }, templateId: 'recycle-checkin' },
      { id: 'update', delay: { value: 16, unit: 'days' }, templateId: 'recycle-update' },
    ],
    exit: ['became_hot', 'reached_sal', 'unsubscribed', 'suppressed', 'disqualified'],
    reentry: 'always',
  },
  {
    id: 'cold-reengage',
    name: '休眠リード掘り起こし',
    entry: { kind: 'temperature', temperatures: ['cold'] },
    steps: [
      {
        id: 'still-interested',
        delay: { value: 1, unit: 'businessDays' },
        templateId: 'reengage-still-interested',
      },
      {
        id: 'webinar-invite',
        delay: { value: 5, unit: 'businessDays' },
        templateId: 'reengage-webinar-invite',
        condition: 'previous_not_clicked',
      },
    ],
    exit: ['became_hot', 'reached_sal', 'unsubscribed', 'suppressed', 'disqualified'],
    reentry: 'after_exit',
    // Mid-morning on weekdays reads best for re-engagement mail.
    window: { start: '10:00', end: '12:00' },
  },
];
