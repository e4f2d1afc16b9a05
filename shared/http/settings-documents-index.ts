import type { Locale } from '#domain/nurture/templates';

/** Where a bundle's precomputed settings answers are, beside its index.mjs (see settings-documents.ts). */
export const SETTINGS_DOCUMENTS_DIR = 'settings-documents';

/** `index.json` there: the template ids, and per `previewKey` the file of that preview. */
export interface SettingsDocumentsIndex {
  templateIds: string[];
  previews: Record<string, string>;
}

/** A template and a locale (none: the template's default) as one key; NUL never occurs in an id. */
export const previewKey = (templateId: string, locale: Locale | undefined): string =>
  `${templateId}\u0000${locale ?? ''}`;
