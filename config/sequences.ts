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
    // No marketing mail during the New Year closure (年末年始): it waits for the first business day.
    closedDates: ['12-29', '12-30', '12-31', '01-01', '01-02', '01-03'],
    // Steps held overnight go out over 09:00–09:29 (each enrollment at its own minute), not all at 09:00:
    // 30 minutes carry 25,200 steps at the demo's 14 mails/s without a queue (README → Sweeper throughput).
    spreadMinutes: 30,
  },
  transientBounceLimit: 3,
  sendRatePerSecond: 10,
  suppressInSesAccountList: false,
  // Security gateways (Microsoft Defender Safe Links, Proofpoint, …) click every link within seconds of the
  // send; nobody reads a mail that fast. Such clicks earn no points and no `clicked` count.
  machineClickSeconds: 30,
};

export const sequences: z.input<typeof sequencesConfigSchema> = [
  {
    id: 'whitepaper-nurture',
    name: '資料ダウンロード後フォロー',
    entry: { kind: 'form', formIds: ['whitepaper'] },
    steps: [
      { id: 'thanks', delay: { value: 0, unit: 'days' }, templateId: 'nurture-thanks' },
      {
        id: 'case-study',
        delay: { value: 3, unit: 'days' },
        templateId: 'nurture-case-study',
        vars: { caseStudyUrl: 'https://www.example.co.jp/case-studies/' },
      },
      // 3 + 4 = day 7 after the first mail.
      {
        id: 'consultation',
        delay: { value: 4, unit: 'days' },
        templateId: 'nurture-consultation',
        condition: 'not_hot',
        vars: { bookingUrl: 'https://www.example.co.jp/consultation/' },
      },
    ],
    // handed_off: a lead sales has (a later contact-form inquiry, a manual hand-off) gets no more nurture mail;
    // disqualified: nor does one sales ruled out (a competitor, a student), hand-off or not.
    exit: ['became_hot', 'reached_sal', 'handed_off', 'unsubscribed', 'suppressed', 'disqualified'],
    reentry: 'after_exit',
  },
  {
    // The contact form's own sequence (it uses the inquiry fast lane): one mail naming the sales rep who
    // now has the inquiry. It ends as soon as sales accepts (the rep has been in touch by then).
    id: 'inquiry-followup',
    name: 'お問い合わせ後フォロー',
    entry: { kind: 'form', formIds: ['contact'] },
    steps: [{ id: 'owner-intro', delay: { value: 0, unit: 'days' }, templateId: 'inquiry-owner-intro' }],
    exit: ['reached_sal', 'unsubscribed', 'suppressed', 'disqualified'],
    reentry: 'after_exit',
  },
  {
    id: 'recycle-nurture',
    name: 'リサイクルリード再育成',
    entry: { kind: 'recycled' },
    steps: [
      // The enrollment starts at the recycle's `nurtureAt` (handoff.recycle.nurtureAfterDays after sales let go).
      {
        id: 'checkin',
        delay: { value: 0, unit: 'days' },
        templateId: 'recycle-checkin',
        vars: { resourcesUrl: 'https://www.example.co.jp/resources/' },
      },
      {
        id: 'update',
        delay: { value: 30, unit: 'days' },
        templateId: 'recycle-update',
        vars: { updatesUrl: 'https://www.example.co.jp/news/' },
      },
    ],
    exit: ['became_hot', 'reached_sal', 'handed_off', 'unsubscribed', 'suppressed', 'disqualified'],
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
        vars: { resourcesUrl: 'https://www.example.co.jp/resources/' },
      },
      {
        id: 'webinar-invite',
        delay: { value: 5, unit: 'businessDays' },
        templateId: 'reengage-webinar-invite',
        condition: 'previous_not_clicked',
        vars: { webinarUrl: 'https://www.example.co.jp/webinars/' },
      },
    ],
    exit: ['became_hot', 'reached_sal', 'handed_off', 'unsubscribed', 'suppressed', 'disqualified'],
    reentry: 'after_exit',
    // Mid-morning on weekdays reads best for re-engagement mail.
    window: { start: '10:00', end: '12:00' },
  },
];
