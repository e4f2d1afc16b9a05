import { configSummary } from '#app/config-summary';
import { previewTemplate, templateIds } from '#app/preview-template';
import { settings as configured, type Settings } from '#config/settings';
import type { Locale } from '#domain/nurture/templates';
import { previewKey, type SettingsDocumentsIndex } from '#http/settings-documents-index';

/**
 * The answers of the console's settings routes (`GET /v1/ops/settings` and a template's preview) as JSON text.
 * They depend on the configuration alone, so a deployed function does not compute them: the synth writes every
 * one of them into files beside the bundle (`settingsDocumentFiles`, infra/bundling.ts), and in a Lambda bundle
 * this module is swapped for settings-documents.bundled.ts, which reads the file a request asks for. The
 * function then carries neither the settings nor the template renderer (bench/coldstart.ts). Run from source
 * (tests, `npm start`) the answers are computed here. test/infra/bundling.test.ts compares the two.
 */

/** The configuration summary of the Settings page. */
export const settingsSummaryJson = (): string => JSON.stringify(configSummary());

/** A template rendered for the sample lead, or undefined for an unknown template. */
export function templatePreviewJson(templateId: string, locale?: Locale): string | undefined {
  const preview = previewTemplate(templateId, locale);
  return preview && JSON.stringify(preview);
}

/** The configured template ids, for a 404's message. */
export const settingsTemplateIds = (): string[] => templateIds();

const LOCALES: (Locale | undefined)[] = [undefined, 'ja', 'en'];

/** Every answer as a file name → JSON text, for the synth to put beside a bundle (`SETTINGS_DOCUMENTS_DIR`). */
export function settingsDocumentFiles(settings: Settings = configured): Record<string, string> {
  const index: SettingsDocumentsIndex = { templateIds: templateIds(settings), previews: {} };
  const files: Record<string, string> = { 'summary.json': JSON.stringify(configSummary(settings)) };
  settings.templates.forEach((template, t) => {
    for (const locale of LOCALES) {
      const preview = previewTemplate(template.id, locale, {}, settings);
      if (!preview) continue;
      const name = `preview-${t}-${locale ?? 'default'}.json`;
      files[name] = JSON.stringify(preview);
      index.previews[previewKey(template.id, locale)] = name;
    }
  });
  files['index.json'] = JSON.stringify(index);
  return files;
}
