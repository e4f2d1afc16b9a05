/**
 * Email templates (marketing ops edit this file). Syntax: `{{lead.lastName | "ご担当者"}}` inserts a
 * value (escaped) with a fallback, `{{{confirmUrl}}}` inserts an http(s) URL, `{{salutation}}` is
 * 「{company} {lastName}様」 or 「ご担当者様」. Marketing templates get the sender footer with the
 * unsubscribe link automatically; do not add one yourself.
 */
import type { z } from 'zod';
import { DOUBLE_OPT_IN_TEMPLATE_ID } from '#config/forms';
import type { templatesConfigSchema } from '#config/templates';

const ja = (subject: string, body: string) => ({
  subject,
  html: `<html><body style="font-family:sans-serif;line-height:1.8">${body}</body></html>`,
});
const en = ja;

export const templates: z.input<typeof templatesConfigSchema> = [
  // --- whitepaper-nurture -------------------------------------------------------------------
  {
    id: 'nurture-thanks',
    kind: 'marketing',
    description: 'Day 0: thanks for downloading',
    locales: {
      ja: ja(
        '資料ダウンロードありがとうございます',
        '<p>{{salutation}}</p>' +
          '<p>このたびは資料をダウンロードいただき、誠にありがとうございます。</p>' +
          '<p>ご不明な点がございましたら、担当の{{owner.name | "営業部"}}までお気軽にお問い合わせください。</p>',
      ),
      en: en(
        'Thank you for downloading our guide',
        '<p>Dear {{salutation}},</p><p>Thank you for downloading our guide.</p>' +
          '<p>If you have any questions, {{owner.name | "our team"}} will be happy to help.</p>',
      ),
    },
  },
  {
    id: 'nurture-case-study',
    kind: 'marketing',
    description: 'Day 3: customer case studies',
    locales: {
      ja: ja(
        '活用事例のご紹介',
        '<p>{{salutation}}</p>' +
          '<p>{{lead.industry | "さまざまな業界"}}のお客様での活用事例をご紹介します。</p>' +
          '<p><a href="{{{caseStudyUrl}}}">活用事例を読む</a></p>',
      ),
      en: en(
        'How customers use our product',
        '<p>Dear {{salutation}},</p><p>Here is how teams like yours use our product.</p>' +
          '<p><a href="{{{caseStudyUrl}}}">Read the case studies</a></p>',
      ),
    },
  },
  {
    id: 'nurture-consultation',
    kind: 'marketing',
    description: 'Day 7: offer a consultation',
    locales: {
      ja: ja(
        '導入相談のご案内',
        '<p>{{salutation}}</p>' +
          '<p>導入をご検討中でしたら、無料の個別相談（30分・オンライン）を承っております。</p>' +
          '<p><a href="{{{bookingUrl}}}">ご相談の日程を予約する</a></p>',
      ),
      en: en(
        'Book a free consultation',
        '<p>Dear {{salutation}},</p><p>Considering adoption? Book a free 30-minute online consultation.</p>' +
          '<p><a href="{{{bookingUrl}}}">Pick a time</a></p>',
      ),
    },
  },
  // --- inquiry-followup (contact form, fast lane) ---------------------------------------------
  {
    id: 'inquiry-owner-intro',
    kind: 'marketing',
    description: 'Contact form: the sales rep who has the inquiry will be in touch',
    locales: {
      ja: ja(
        '担当者よりご連絡いたします',
        '<p>{{salutation}}</p>' +
          '<p>このたびはお問い合わせいただき、誠にありがとうございます。</p>' +
          '<p>担当の{{owner.name | "営業担当者"}}より、改めてご連絡いたします。今しばらくお待ちください。</p>',
      ),
      en: en(
        'Your contact person',
        '<p>Dear {{salutation}},</p><p>Thank you for your inquiry.</p>' +
          '<p>{{owner.name | "Our sales team"}} will contact you shortly.</p>',
      ),
    },
  },
  // --- recycle-nurture ----------------------------------------------------------------------
  {
    id: 'recycle-checkin',
    kind: 'marketing',
    description: 'Recycled lead (30 days after a recycle, 90 after a lost deal): light check-in',
    locales: {
      ja: ja(
        '最近の取り組みはいかがですか',
        '<p>{{salutation}}</p><p>その後、ご検討状況はいかがでしょうか。最新のお役立ち資料をお送りします。</p>' +
          '<p><a href="{{{resourcesUrl}}}">お役立ち資料一覧</a></p>',
      ),
      en: en(
        'How are things going?',
        '<p>Dear {{salutation}},</p><p>Here are our latest resources.</p>' +
          '<p><a href="{{{resourcesUrl}}}">Browse resources</a></p>',
      ),
    },
  },
  {
    id: 'recycle-update',
    kind: 'marketing',
    description: 'Recycled lead, 30 days: product update',
    locales: {
      ja: ja(
        '新機能のお知らせ',
        '<p>{{salutation}}</p><p>最近追加された新機能をご紹介します。</p>' +
          '<p><a href="{{{updatesUrl}}}">新機能を見る</a></p>',
      ),
      en: en(
        "What's new",
        '<p>Dear {{salutation}},</p><p>Here is what we shipped recently.</p>' +
          '<p><a href="{{{updatesUrl}}}">See what is new</a></p>',
      ),
    },
  },
  // --- cold-reengage ------------------------------------------------------------------------
  {
    id: 'reengage-still-interested',
    kind: 'marketing',
    description: 'Cold lead: still interested?',
    locales: {
      ja: ja(
        '引き続き情報をお届けしてもよろしいでしょうか',
        '<p>{{salutation}}</p><p>しばらくご案内が届いていないようでしたので、ご連絡いたしました。</p>' +
          '<p>今後も情報をご希望の場合は、<a href="{{{resourcesUrl}}}">こちら</a>から最新資料をご覧ください。</p>',
      ),
      en: en(
        'Still interested?',
        '<p>Dear {{salutation}},</p><p>We have not heard from you in a while.</p>' +
          '<p><a href="{{{resourcesUrl}}}">See our latest resources</a></p>',
      ),
    },
  },
  {
    id: 'reengage-webinar-invite',
    kind: 'marketing',
    description: 'Cold lead: webinar invitation',
    locales: {
      ja: ja(
        'オンラインセミナーのご案内',
        '<p>{{salutation}}</p><p>最新事例を30分で紹介するオンラインセミナーを開催します。</p>' +
          '<p><a href="{{{webinarUrl}}}">セミナーに申し込む</a></p>',
      ),
      en: en(
        'Join our webinar',
        '<p>Dear {{salutation}},</p><p>Join our 30-minute webinar on recent customer stories.</p>' +
          '<p><a href="{{{webinarUrl}}}">Register</a></p>',
      ),
    },
  },
  // --- transactional (sent by capture) ------------------------------------------------------
  {
    id: 'autoreply-contact',
    kind: 'transactional',
    // Capture mail goes to addresses nobody has proven yet: it never repeats the visitor's message (config
    // validation refuses any lead.* variable but the salutation's in the templates forms send).
    description: 'Auto-reply to the contact form',
    locales: {
      ja: ja(
        'お問い合わせありがとうございます',
        '<p>{{salutation}}</p><p>お問い合わせいただき、誠にありがとうございます。</p>' +
          '<p>内容を確認のうえ、2営業日以内に担当者よりご連絡いたします。</p>',
      ),
      en: en(
        'Thank you for contacting us',
        '<p>Dear {{salutation}},</p><p>Thank you for your message. We will reply within two business days.</p>',
      ),
    },
  },
  {
    id: 'autoreply-whitepaper',
    kind: 'transactional',
    description: 'Auto-reply to the whitepaper form, with the download link',
    locales: {
      ja: ja(
        '資料ダウンロードのご案内',
        '<p>{{salutation}}</p><p>資料のご請求ありがとうございます。以下のリンクからダウンロードいただけます。</p>' +
          '<p><a href="{{{downloadUrl}}}">資料をダウンロードする</a></p>' +
          '<p>リンクの有効期限は7日間です。</p>',
      ),
      en: en(
        'Your download is ready',
        '<p>Dear {{salutation}},</p><p>Thank you for your request. Download the document here:</p>' +
          '<p><a href="{{{downloadUrl}}}">Download</a></p><p>The link is valid for 7 days.</p>',
      ),
    },
  },
  {
    id: 'autoreply-webinar',
    kind: 'transactional',
    description: 'Webinar registration confirmation',
    locales: {
      ja: ja(
        '{{webinar.title | "セミナー"}}お申し込みありがとうございます',
        '<p>{{salutation}}</p><p>{{webinar.title | "セミナー"}}へのお申し込みを受け付けました。</p>' +
          '<p>日時: {{webinar.startsAt | "追ってご連絡します"}}</p>' +
          '<p><a href="{{{joinUrl}}}">当日の参加用リンク</a></p>',
      ),
      en: en(
        'You are registered: {{webinar.title | "our webinar"}}',
        '<p>Dear {{salutation}},</p><p>You are registered for {{webinar.title | "our webinar"}}.</p>' +
          '<p>When: {{webinar.startsAt | "to be announced"}}</p><p><a href="{{{joinUrl}}}">Join link</a></p>',
      ),
    },
  },
  {
    id: DOUBLE_OPT_IN_TEMPLATE_ID,
    kind: 'transactional',
    description: 'Double opt-in confirmation',
    locales: {
      ja: ja(
        '【要確認】メール配信登録の確認',
        '<p>{{salutation}}</p><p>メール配信へのご登録ありがとうございます。</p>' +
          '<p>以下のリンクをクリックして、登録を完了してください。</p>' +
          '<p><a href="{{{confirmUrl}}}">登録を確認する</a></p>' +
          '<p>お心当たりのない場合は、このメールを破棄してください。</p>',
      ),
      en: en(
        'Please confirm your subscription',
        '<p>Dear {{salutation}},</p><p>Please confirm your subscription:</p>' +
          '<p><a href="{{{confirmUrl}}}">Confirm</a></p><p>If you did not sign up, ignore this email.</p>',
      ),
    },
  },
];
