import { UNSUBSCRIBE_MAX_BODY_BYTES, unsubscribeByLink } from '#app/unsubscribe';
import { httpHandler } from '#http/api';
import { PayloadTooLargeError } from '#http/errors';
import { page } from '#http/pages';
import { html } from '#http/responses';

const WORDS = {
  ja: {
    invalidTitle: 'リンクが無効です',
    invalid: 'このリンクは無効です。お手数ですが、受信したメールのリンクをもう一度お確かめください。',
    confirmTitle: '配信停止の確認',
    confirm: '下のボタンを押すと、今後のご案内メールの配信を停止します。',
    button: '配信を停止する',
    doneTitle: '配信を停止しました',
    done: '今後、ご案内メールはお送りしません。お問い合わせへのご返信など、必要なご連絡は引き続きお送りします。',
  },
  en: {
    invalidTitle: 'Invalid link',
    invalid: 'This link is not valid. Please check the link in the email you received.',
    confirmTitle: 'Unsubscribe',
    confirm: 'Press the button to stop receiving our marketing emails.',
    button: 'Unsubscribe',
    doneTitle: 'You are unsubscribed',
    done: 'You will receive no more marketing emails from us. Replies to your requests will still reach you.',
  },
} as const;

/**
 * GET and POST /v1/unsubscribe?t=…. POST is RFC 8058 one-click: a mailbox provider posts
 * `List-Unsubscribe=One-Click` (any content type, or an empty body from the confirmation page's button),
 * no login, 200 and the lead is out at once. GET only shows a page with a button, so a link scanner that
 * follows the URL unsubscribes nobody. An invalid token gets a plain 400 page that reveals nothing; a valid
 * one always gets the same answer, whether or not the lead still exists.
 */
export const handler = httpHandler(async (event) => {
  const token = event.queryStringParameters?.t;
  const post =
    event.requestContext.http.method === 'POST'
      ? {
          body: event.body
            ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
            : Buffer.alloc(0),
        }
      : undefined;
  const { lang, outcome } = await unsubscribeByLink({ token, ...(post ? { post } : {}) });
  const words = WORDS[lang];
  switch (outcome) {
    case 'invalid_link':
      return html(400, page({ lang, title: words.invalidTitle, message: words.invalid }));
    case 'confirm':
      return html(
        200,
        page({
          lang,
          title: words.confirmTitle,
          message: words.confirm,
          form: { action: `?t=${encodeURIComponent(token ?? '')}`, button: words.button },
        }),
      );
    case 'body_too_large':
      throw new PayloadTooLargeError(UNSUBSCRIBE_MAX_BODY_BYTES);
    case 'unsubscribed':
      return html(200, page({ lang, title: words.doneTitle, message: words.done }));
  }
});
