import { escapeHtml } from '#http/responses';

/**
 * Minimal, self-contained pages for people who click links in mails (confirm, unsubscribe). Every value is
 * escaped; no script, so the page's CSP can forbid all.
 */
export const page = (options: {
  lang: 'ja' | 'en';
  title: string;
  message: string;
  form?: { action: string; button: string };
}): string => {
  const form = options.form
    ? `<form method="post" action="${escapeHtml(options.form.action)}"><button type="submit">${escapeHtml(options.form.button)}</button></form>`
    : '';
  return `<!doctype html>
<html lang="${options.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(options.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.7;color:#222}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:6px;border:0;background:#1d4ed8;color:#fff;cursor:pointer}</style>
</head><body><h1>${escapeHtml(options.title)}</h1><p>${escapeHtml(options.message)}</p>${form}</body></html>`;
};
