import { configSummary } from '#app/config-summary';
import { previewTemplate, templateIds } from '#app/preview-template';
import { BadRequestError, NotFoundError } from '#http/errors';
import { lightHttpHandler } from '#http/light';
import { json } from '#http/responses';

/**
 * GET /v1/ops/settings (signed in): the configuration summary the console's Settings page shows.
 * GET /v1/ops/settings/templates/{templateId}/preview?locale=ja|en: one template rendered for a sample lead.
 * Both come from the built-in configuration alone: no middy stack (`lightHttpHandler`).
 */
export const handler = lightHttpHandler((event) => {
  const templateId = event.pathParameters?.templateId;
  if (templateId === undefined) return json(200, configSummary(), { 'cache-control': 'no-store' });
  const locale = event.queryStringParameters?.locale;
  if (locale !== undefined && locale !== 'ja' && locale !== 'en')
    throw new BadRequestError('The locale must be ja or en.', [
      { field: 'locale', code: 'invalid', message: 'ja or en' },
    ]);
  const preview = previewTemplate(templateId, locale);
  if (!preview) throw new NotFoundError(`No such template; one of: ${templateIds().join(', ')}.`);
  return json(200, preview, { 'cache-control': 'no-store' });
});
