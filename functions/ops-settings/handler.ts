import { BadRequestError, NotFoundError } from '#http/errors';
import { lightHttpHandler } from '#http/light';
import { jsonText } from '#http/responses';
import { settingsSummaryJson, settingsTemplateIds, templatePreviewJson } from '#http/settings-documents';

/**
 * GET /v1/ops/settings (signed in): the configuration summary the console's Settings page shows.
 * GET /v1/ops/settings/templates/{templateId}/preview?locale=ja|en: one template rendered for a sample lead.
 * Both come from the built-in configuration alone (computed at synth for a deployed function, see
 * `#http/settings-documents`): no middy stack (`lightHttpHandler`), no settings in the bundle.
 */
export const handler = lightHttpHandler((event) => {
  const templateId = event.pathParameters?.templateId;
  if (templateId === undefined) return jsonText(200, settingsSummaryJson());
  const locale = event.queryStringParameters?.locale;
  if (locale !== undefined && locale !== 'ja' && locale !== 'en')
    throw new BadRequestError('The locale must be ja or en.', [
      { field: 'locale', code: 'invalid', message: 'ja or en' },
    ]);
  const preview = templatePreviewJson(templateId, locale);
  if (preview === undefined)
    throw new NotFoundError(`No such template; one of: ${settingsTemplateIds().join(', ')}.`);
  return jsonText(200, preview);
});
