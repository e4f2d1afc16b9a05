import { now } from '#adapters/clock';
import { unsubscribeTarget } from '#app/links';
import { unsubscribeLead } from '#app/unsubscribe-lead';
import { settings } from '#config/settings';

export { unsubscribeLead };

/** One-click bodies are a few bytes (`List-Unsubscribe=One-Click`); anything big is not one of ours. */
export const UNSUBSCRIBE_MAX_BODY_BYTES = 2048;

export interface UnsubscribeRequest {
  token: string | undefined;
  /** Present for a POST (one-click or the confirmation page's button): the raw body. */
  post?: { body: Buffer };
}

export interface UnsubscribeAnswer {
  lang: 'ja' | 'en';
  outcome: 'invalid_link' | 'confirm' | 'body_too_large' | 'unsubscribed';
}

/**
 * The unsubscribe link (GET and POST /v1/unsubscribe?t=…). An invalid token is `invalid_link` (revealing
 * nothing); a GET only asks for confirmation (a link scanner unsubscribes nobody); a POST is RFC 8058
 * one-click (url-encoded or multipart `List-Unsubscribe=One-Click`) or the page's button, and the lead is
 * out at once. A valid link always gets the same answer, whether or not the lead still exists.
 */
export async function unsubscribeByLink(request: UnsubscribeRequest): Promise<UnsubscribeAnswer> {
  const lang = settings.app.locale;
  const at = now();
  const target = await unsubscribeTarget(request.token, at);
  if (!target || !request.token) return { lang, outcome: 'invalid_link' };
  if (!request.post) return { lang, outcome: 'confirm' };
  const { body } = request.post;
  if (body.length > UNSUBSCRIBE_MAX_BODY_BYTES) return { lang, outcome: 'body_too_large' };
  const text = body.toString('utf8');
  const oneClick =
    /(?:^|[&\s])List-Unsubscribe=One-Click(?:$|[&\s])/.test(text) ||
    /name="List-Unsubscribe"\r?\n\r?\nOne-Click/.test(text);
  await unsubscribeLead(target.leadId, oneClick ? 'one_click' : 'page', at, { mail: target.mail });
  return { lang, outcome: 'unsubscribed' };
}
