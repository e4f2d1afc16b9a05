import { readFileSync } from 'node:fs';
import type { Locale } from '#domain/nurture/templates';
import {
  previewKey,
  SETTINGS_DOCUMENTS_DIR,
  type SettingsDocumentsIndex,
} from '#http/settings-documents-index';

/**
 * settings-documents.ts as a Lambda bundle has it (infra/bundling.ts aliases it here): the answers the synth
 * computed, read from the `settings-documents` directory beside the bundle when a request asks for one (the
 * summary once per container, a preview per request). Nothing is read or parsed at import. Kept free of the
 * settings and the renderer: importing either would put them back in the bundle.
 */
const read = (name: string): string =>
  readFileSync(new URL(`./${SETTINGS_DOCUMENTS_DIR}/${name}`, import.meta.url), 'utf8');

let summary: string | undefined;
let index: SettingsDocumentsIndex | undefined;
const indexed = () => {
  index ??= JSON.parse(read('index.json')) as SettingsDocumentsIndex;
  return index;
};

export const settingsSummaryJson = (): string => {
  summary ??= read('summary.json');
  return summary;
};

export function templatePreviewJson(templateId: string, locale?: Locale): string | undefined {
  const file = indexed().previews[previewKey(templateId, locale)];
  return file === undefined ? undefined : read(file);
}

export const settingsTemplateIds = (): string[] => indexed().templateIds;
