import type { z } from 'zod';
import type { formsConfigSchema } from '#config/forms';

/**
 * Landing-page forms. Field names are the lead attribute names (`firstName`, `company`, …) and the consent
 * checkbox is `consent`. Marketing ops edit this file and run `npx cdk deploy`; a wrong value fails at synth
 * with a message that names the field, e.g. `forms[1].fields[3].options`.
 */

const CONSENT_TEXT =
  '個人情報の取り扱いに同意の上、株式会社サンプルからのご案内メール（製品情報・セミナー情報）の受信に同意します。';

const EMPLOYEE_OPTIONS = [
  { value: '1-49', label: '1〜49名' },
  { value: '50-299', label: '50〜299名' },
  { value: '300-999', label: '300〜999名' },
  { value: '1000-4999', label: '1,000〜4,999名' },
  { value: '5000+', label: '5,000名以上' },
];

/**
 * 都道府県 as a list, not free text: the hand-off's territory rule (config/handoff.ts, Kansai) matches the exact
 * name, so a typed 「大阪」 or 「Osaka」 would miss it and the lead would go to the wrong team.
 */
const PREFECTURES = [
  '北海道',
  '青森県',
  '岩手県',
  '宮城県',
  '秋田県',
  '山形県',
  '福島県',
  '茨城県',
  '栃木県',
  '群馬県',
  '埼玉県',
  '千葉県',
  '東京都',
  '神奈川県',
  '新潟県',
  '富山県',
  '石川県',
  '福井県',
  '山梨県',
  '長野県',
  '岐阜県',
  '静岡県',
  '愛知県',
  '三重県',
  '滋賀県',
  '京都府',
  '大阪府',
  '兵庫県',
  '奈良県',
  '和歌山県',
  '鳥取県',
  '島根県',
  '岡山県',
  '広島県',
  '山口県',
  '徳島県',
  '香川県',
  '愛媛県',
  '高知県',
  '福岡県',
  '佐賀県',
  '長崎県',
  '熊本県',
  '大分県',
  '宮崎県',
  '鹿児島県',
  '沖縄県',
  '海外',
];

const DEV_AND_PROD_ORIGINS = ['https://www.example.co.jp', 'http://localhost:3000'];

type FormInput = z.input<typeof formsConfigSchema>[number];
type FieldInput = FormInput['fields'][number];

/** Fields most forms share; a form lists the ones it asks for, and may add its own. */
const FIELD = {
  lastName: {
    name: 'lastName',
    type: 'text',
    label: '姓',
    required: true,
    maxLength: 50,
    attribute: 'lastName',
  },
  firstName: {
    name: 'firstName',
    type: 'text',
    label: '名',
    required: true,
    maxLength: 50,
    attribute: 'firstName',
  },
  company: {
    name: 'company',
    type: 'text',
    label: '会社名',
    required: true,
    maxLength: 200,
    attribute: 'company',
  },
  department: { name: 'department', type: 'text', label: '部署', maxLength: 100, attribute: 'department' },
  title: { name: 'title', type: 'text', label: '役職', maxLength: 100, attribute: 'title' },
  email: { name: 'email', type: 'email', label: 'メールアドレス', required: true, attribute: 'email' },
  employees: {
    name: 'employees',
    type: 'select',
    label: '従業員数',
    options: EMPLOYEE_OPTIONS,
    attribute: 'employees',
  },
  consent: { name: 'consent', type: 'checkbox', label: '個人情報の取り扱い', required: true },
} satisfies Record<string, FieldInput>;

/** What a submitter agrees to; bump `version` whenever the text changes (consent records keep it). */
const CONSENT = { purpose: 'marketing_email', text: CONSENT_TEXT, version: '2025-04-01', required: true };

export const forms: z.input<typeof formsConfigSchema> = [
  {
    id: 'contact',
    name: 'お問い合わせ',
    locale: 'ja',
    fields: [
      FIELD.lastName,
      FIELD.firstName,
      FIELD.company,
      FIELD.department,
      FIELD.title,
      FIELD.email,
      { name: 'phone', type: 'tel', label: '電話番号', attribute: 'phone' },
      FIELD.employees,
      {
        name: 'prefecture',
        type: 'select',
        label: '都道府県',
        options: PREFECTURES,
        attribute: 'prefecture',
      },
      { name: 'message', type: 'textarea', label: 'お問い合わせ内容', maxLength: 4000, attribute: 'message' },
      FIELD.consent,
    ],
    allowedOrigins: DEV_AND_PROD_ORIGINS,
    thankYouUrl: '/examples/thank-you.html',
    // The landing page shows its error banner on `#form-error` (CSS :target), so this works without JavaScript.
    errorUrl: '/examples/landing-page.html#form-error',
    consent: CONSENT,
    doubleOptIn: false,
    autoReplyTemplateId: 'autoreply-contact',
    // Inquiry fast lane: a contact / demo request goes to sales at once, whatever the score (owner, SLA
    // clock), and gets only its own short follow-up — never the whitepaper nurture.
    handoff: 'immediate',
    sequenceIds: ['inquiry-followup'],
    channel: 'inbound_web',
    behaviourEvent: { type: 'form_submitted', properties: { formId: 'contact' } },
    // Points once per lead and day (the default; 'submission' scores every post).
    scoreOncePer: 'day',
    // Capture mails (auto-reply / opt-in request): per recipient per day, per source IP per hour (defaults).
    mailLimits: { perAddressPerDay: 3, perSourcePerHour: 20 },
    minFillMs: 2500,
    honeypotField: 'website',
  },
  {
    id: 'whitepaper',
    name: '資料ダウンロード',
    locale: 'ja',
    fields: [
      FIELD.lastName,
      FIELD.firstName,
      FIELD.company,
      FIELD.department,
      FIELD.title,
      FIELD.email,
      { ...FIELD.employees, required: true },
      FIELD.consent,
    ],
    allowedOrigins: DEV_AND_PROD_ORIGINS,
    thankYouUrl: '/examples/thank-you.html?form=whitepaper',
    errorUrl: '/examples/landing-page.html#form-error',
    consent: CONSENT,
    doubleOptIn: false,
    autoReplyTemplateId: 'autoreply-whitepaper',
    downloadUrl: 'https://www.example.co.jp/downloads/ma-guide-2025.pdf',
    sequenceIds: ['whitepaper-nurture'],
    channel: 'inbound_web',
    behaviourEvent: { type: 'form_submitted', properties: { formId: 'whitepaper' } },
  },
  {
    id: 'webinar',
    name: 'ウェビナー申し込み',
    locale: 'ja',
    fields: [
      FIELD.lastName,
      FIELD.firstName,
      FIELD.company,
      FIELD.title,
      FIELD.email,
      { name: 'industry', type: 'text', label: '業種', maxLength: 100, attribute: 'industry' },
      // Which session the person registered for; kept with the submission, not as a lead attribute.
      { name: 'session', type: 'hidden', label: '開催回', maxLength: 50 },
      FIELD.consent,
    ],
    allowedOrigins: DEV_AND_PROD_ORIGINS,
    thankYouUrl: '/examples/thank-you.html?form=webinar',
    errorUrl: '/examples/landing-page.html#form-error',
    consent: CONSENT,
    doubleOptIn: true,
    autoReplyTemplateId: 'autoreply-webinar',
    sequenceIds: [],
    mailVars: { joinUrl: 'https://www.example.co.jp/webinars/live/' },
    channel: 'webinar',
    behaviourEvent: { type: 'form_submitted', properties: { formId: 'webinar' } },
  },
];
