import { confirmConsent } from '#app/confirm-consent';
import { httpHandler } from '#http/api';
import { page } from '#http/pages';
import { html } from '#http/responses';

/**
 * Double opt-in. GET shows a page with a button and changes nothing (mail scanners follow links); POST
 * confirms, idempotently. An invalid or expired link gets a plain 400 page that reveals nothing.
 */
export const handler = httpHandler(async (event) => {
  const token = event.queryStringParameters?.t;
  const isPost = event.requestContext.http.method === 'POST';
  const result = await confirmConsent(token, isPost);
  if (result === 'invalid_link') {
    return html(
      400,
      page({
        lang: 'ja',
        title: 'リンクが無効です',
        message: 'このリンクは無効か、有効期限が切れています。お手数ですが、もう一度お申し込みください。',
      }),
    );
  }
  if (result === 'ask') {
    return html(
      200,
      page({
        lang: 'ja',
        title: 'メールアドレスの確認',
        message: '下のボタンを押すと、ご登録が完了します。',
        form: { action: `?t=${encodeURIComponent(token ?? '')}`, button: '登録を完了する' },
      }),
    );
  }
  if (result === 'not_found') {
    return html(400, page({ lang: 'ja', title: 'リンクが無効です', message: 'このリンクは無効です。' }));
  }
  return html(
    200,
    page({
      lang: 'ja',
      title: 'ご登録ありがとうございます',
      message: 'メールアドレスの確認が完了しました。',
    }),
  );
});
