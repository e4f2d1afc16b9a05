import type { z } from 'zod';
import type { scoringConfigSchema } from '#config/scoring';

/**
 * Lead scoring. Marketing ops edit this file and run `npx cdk deploy` (then `npm run rescore` to apply new
 * rules to existing leads); a wrong value fails at synth with a message that names the field.
 *
 * Total = fit (who the lead is: size, title, industry, region, address; at most 30) + behaviour (what the
 * lead did, fading with a 30-day half-life).
 * A lead is warm at 40, hot at 80 (e.g. fit 30 + behaviour 50) and becomes an MQL at 50.
 */

/** Free mail: a personal address says little about the company. Extend as you see them in your leads. */
const FREE_MAIL_DOMAINS = [
  'gmail.com',
  'googlemail.com',
  'yahoo.co.jp',
  'ymail.ne.jp',
  'yahoo.com',
  'outlook.com',
  'outlook.jp',
  'hotmail.com',
  'hotmail.co.jp',
  'live.com',
  'live.jp',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'docomo.ne.jp',
  'ezweb.ne.jp',
  'au.com',
  'softbank.ne.jp',
  'i.softbank.jp',
  'ybb.ne.jp',
  'nifty.com',
  'biglobe.ne.jp',
  'ocn.ne.jp',
  'so-net.ne.jp',
  'proton.me',
  'protonmail.com',
];

/**
 * Universities and schools (大学 ac.jp, 小中高 ed.jp): students and researchers download and attend for study,
 * they do not buy. Not a company address.
 */
const ACADEMIC_DOMAINS = ['ac.jp', 'ed.jp'];

/** Competitors' domains (their staff research us; they are not leads). Fill in your own. */
const COMPETITOR_DOMAINS: string[] = [];

export const scoring: z.input<typeof scoringConfigSchema> = {
  timeZone: 'Asia/Tokyo',
  fit: {
    min: -30,
    max: 30,
    grades: { A: 25, B: 15, C: 5 },
    rules: [
      {
        id: 'company-size',
        label: '従業員規模',
        kind: 'employees',
        // Aligned with the forms' size options (1〜49, 50〜299, 300〜999, 1,000〜4,999, 5,000名以上): a tier
        // matches when the whole range lies in it, so 50〜299 is mid-market (+5); a list with exact counts
        // (an import: "20", "8名") also reaches the two lowest tiers.
        tiers: [
          { min: 1000, points: 10 },
          { min: 300, points: 8 },
          { min: 50, points: 5 },
          { min: 10, points: 2 },
          { max: 9, points: -5 },
        ],
      },
      {
        id: 'title',
        label: '役職',
        kind: 'keywords',
        attribute: 'title',
        // First tier that matches wins, so "General Manager" (ゼネラルマネージャー) scores as a director, not a manager.
        tiers: [
          {
            keywords: [
              '社長',
              '取締役',
              '役員',
              'CEO',
              'COO',
              'CTO',
              'CIO',
              'CFO',
              'CMO',
              'CDO',
              'CISO',
              'President',
              'Founder',
              '創業者',
              'Chief',
              'VP',
              'SVP',
              'EVP',
            ],
            points: 10,
          },
          {
            keywords: [
              '部長',
              '室長',
              'センター長',
              // Heads of a plant, branch or office (研究所長, 営業所長): in a manufacturer the plant head decides.
              '工場長',
              '支店長',
              '所長',
              '責任者',
              'Director',
              'Head',
              'General Manager',
              'ゼネラルマネージャー',
              'ゼネラルマネジャー',
              'GM',
            ],
            points: 8,
          },
          {
            keywords: [
              '次長',
              '課長',
              'マネージャー',
              'マネジャー',
              'Manager',
              'グループ長',
              'リーダー',
              'Team Lead',
            ],
            points: 5,
          },
          { keywords: ['学生', 'Student', 'インターン', 'Intern', '求職'], points: -10 },
        ],
      },
      {
        id: 'industry',
        label: '業種',
        kind: 'keywords',
        attribute: 'industry',
        // Our ideal customers; replace with your own.
        tiers: [
          {
            keywords: [
              '製造',
              'メーカー',
              'Manufacturing',
              '情報通信',
              'IT',
              'ソフトウェア',
              'Software',
              'SaaS',
            ],
            points: 5,
          },
        ],
      },
      {
        id: 'region',
        label: '地域',
        kind: 'keywords',
        attribute: 'prefecture',
        // The contact form's 都道府県: our teams (config/handoff.ts) cover every prefecture, none covers 海外.
        tiers: [{ keywords: ['海外'], points: -10 }],
      },
      {
        id: 'email-domain',
        label: 'メールドメイン',
        kind: 'emailDomain',
        tiers: [
          { domains: COMPETITOR_DOMAINS, points: -30 },
          { domains: FREE_MAIL_DOMAINS, points: -10 },
          { domains: ACADEMIC_DOMAINS, points: -5 },
        ],
        // A company address.
        otherwise: 5,
      },
    ],
  },
  behaviour: {
    // First matching rule wins: specific rules before general ones.
    rules: [
      // Inquiry (問い合わせ): the strongest signal, an MQL on its own.
      {
        id: 'contact-form',
        label: 'お問い合わせフォーム',
        type: 'form_submitted',
        properties: { formId: 'contact' },
        points: 50,
      },
      {
        id: 'whitepaper-form',
        label: '資料ダウンロードフォーム',
        type: 'form_submitted',
        properties: { formId: 'whitepaper' },
        points: 10,
      },
      // A registration through our own webinar form (config/forms.ts) is the same signal as `webinar_registered`,
      // which a webinar platform reports for registrations taken on its own page: send it only for those.
      {
        id: 'webinar-form',
        label: 'ウェビナー申込フォーム',
        type: 'form_submitted',
        properties: { formId: 'webinar' },
        points: 10,
      },
      { id: 'download', label: '資料ダウンロード', type: 'download', points: 10 },
      { id: 'webinar-registration', label: 'ウェビナー申込', type: 'webinar_registered', points: 10 },
      { id: 'webinar-attendance', label: 'ウェビナー参加', type: 'webinar_attended', points: 20 },
      // Also under a language prefix (/ja/pricing). Capped so that reloading the pricing page cannot make a
      // lead hot on its own.
      {
        id: 'product-pages',
        label: '製品・料金ページ閲覧',
        type: 'page_view',
        url: ['/pricing', '/product', '/products', '/*/pricing', '/*/product', '/*/products'],
        points: 5,
        cap: { points: 15, per: 'day' },
      },
      // Job seekers read the careers pages (also under a language prefix, /ja/careers, and each posting below
      // them, /ja/careers/engineer); once is enough to say so.
      {
        id: 'careers-pages',
        label: '採用ページ閲覧',
        type: 'page_view',
        url: [
          '/careers',
          '/recruit',
          '/jobs',
          '/*/careers',
          '/*/recruit',
          '/*/jobs',
          '/*/careers/*',
          '/*/recruit/*',
          '/*/jobs/*',
        ],
        points: -10,
        once: true,
      },
      { id: 'page-view', label: 'ページ閲覧', type: 'page_view', points: 1, cap: { points: 10, per: 'day' } },
      // Sales activities logged through the ops API (type sales_activity; properties activityType, outcome).
      {
        id: 'appointment-set',
        label: 'アポイント獲得',
        type: 'sales_activity',
        properties: { outcome: 'appointment_set' },
        points: 20,
      },
      {
        id: 'sales-meeting',
        label: '商談',
        type: 'sales_activity',
        properties: { activityType: 'meeting' },
        points: 10,
      },
      {
        id: 'sales-connect',
        label: '電話で会話',
        type: 'sales_activity',
        properties: { activityType: 'call', outcome: ['connected', 'callback_requested'] },
        points: 5,
      },
      {
        id: 'sales-not-interested',
        label: '興味なし',
        type: 'sales_activity',
        properties: { outcome: 'not_interested' },
        points: -10,
      },
      // Opens are unreliable (privacy proxies open every mail), so they count little.
      {
        id: 'email-open',
        label: 'メール開封',
        type: 'email_open',
        points: 3,
        cap: { points: 9, per: 'week' },
      },
      // Security scanners click every link of a mail; the cap limits what that can add.
      {
        id: 'email-click',
        label: 'メール内リンクのクリック',
        type: 'email_click',
        points: 5,
        cap: { points: 15, per: 'day' },
      },
    ],
    decay: { kind: 'half-life', days: 30, step: 'day' },
    lateEventWindowDays: 7,
  },
  temperature: { warm: 40, hot: 80 },
  stages: { lead: 0, mql: 50 },
};
