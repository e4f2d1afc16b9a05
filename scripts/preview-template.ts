/**
 * Preview a configured e-mail template without sending it:
 *
 *   npm run preview -- <templateId> [--lead path/to/lead.json] [--locale ja|en] [--html] [--var name=value …]
 *
 * Renders the template from `config/templates.ts` for a lead (a JSON file with lead attributes, either
 * bare or under `attributes`, optionally with `locale`) or for a built-in Japanese sample lead, and prints
 * the subject and the plain-text part (and the HTML part with --html). Marketing templates get a sample
 * one-click unsubscribe URL, the RFC 8058 headers and the sender footer, exactly as a real send would.
 * Reads only configuration: no AWS, no environment.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configuredVars, previewTemplate, SAMPLE_LEAD, SAMPLE_VARS } from '#app/preview-template';
import { settings, templateById } from '#config/settings';
import { LEAD_ATTRIBUTES, type LeadAttributes } from '#domain/lead/types';
import type { Locale, RenderableTemplate, TemplateVars } from '#domain/nurture/templates';

const usage = `usage: npm run preview -- <templateId> [--lead lead.json] [--locale ja|en] [--html] [--var name=value]
templates: ${settings.templates.map((t) => t.id).join(', ')}`;

const fail = (message: string): never => {
  console.error(`${message}\n${usage}`);
  process.exit(2);
};

const readLead = (path: string): { attributes: LeadAttributes; locale?: Locale } => {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return fail(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof raw !== 'object' || raw === null) return fail(`${path}: expected a JSON object`);
  const record = raw as Record<string, unknown>;
  const source = (
    typeof record.attributes === 'object' && record.attributes !== null ? record.attributes : record
  ) as Record<string, unknown>;
  const attributes: LeadAttributes = {};
  for (const name of LEAD_ATTRIBUTES) {
    const value = source[name];
    if (typeof value === 'string') attributes[name] = value;
  }
  const locale = record.locale === 'ja' || record.locale === 'en' ? record.locale : undefined;
  return { attributes, ...(locale ? { locale } : {}) };
};

/** Variables a template uses without a fallback that `vars` does not supply (they would render empty). */
const missingVariables = (template: RenderableTemplate, vars: TemplateVars): string[] => {
  const known = (path: string): boolean => {
    let cur: unknown = { ...vars, salutation: 'x' };
    for (const segment of path.split('.')) {
      if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, segment)) return false;
      cur = (cur as Record<string, unknown>)[segment];
    }
    return cur !== undefined && cur !== '';
  };
  const missing = new Set<string>();
  for (const variant of Object.values(template.locales)) {
    const sources = [variant?.subject ?? '', variant?.html ?? '', variant?.text ?? ''];
    for (const source of sources) {
      for (const m of source.matchAll(/\{\{\{?([^{}|]+?)\s*(\|[^{}]*)?\}\}\}?/g)) {
        const path = (m[1] ?? '').trim();
        if (!m[2] && !known(path)) missing.add(path);
      }
    }
  }
  return [...missing];
};

const main = () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      lead: { type: 'string' },
      locale: { type: 'string' },
      html: { type: 'boolean', default: false },
      var: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const [templateId] = positionals;
  if (!templateId) return fail('missing template id');
  const template = templateById(templateId);
  if (!template) return fail(`unknown template "${templateId}"`);
  if (values.locale !== undefined && values.locale !== 'ja' && values.locale !== 'en') {
    return fail(`--locale must be ja or en, not "${values.locale}"`);
  }
  const lead = values.lead ? readLead(values.lead) : { attributes: SAMPLE_LEAD };
  const locale: Locale | undefined = (values.locale as Locale | undefined) ?? lead.locale;
  const extra: TemplateVars = {};
  for (const pair of values.var ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return fail(`--var expects name=value, got "${pair}"`);
    extra[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const preview = previewTemplate(template.id, locale, { lead: lead.attributes, vars: extra });
  if (!preview) return fail(`unknown template "${templateId}"`);
  const out: string[] = [
    `Template: ${preview.templateId} (${preview.kind}, ${preview.locale})`,
    `To:       ${lead.attributes.email ?? '(no address)'}`,
    `Subject:  ${preview.subject}`,
    ...preview.headers.map((header) => `${header.name}: ${header.value}`),
  ];
  const vars: TemplateVars = {
    ...SAMPLE_VARS,
    ...configuredVars(template.id),
    ...extra,
    lead: lead.attributes,
  };
  const missing = missingVariables(template, vars);
  if (missing.length)
    out.push(`Warning:  no value for ${missing.join(', ')} (renders empty; pass --var name=value)`);
  out.push('', '--- text ---', preview.text);
  if (values.html) out.push('', '--- html ---', preview.html);
  console.log(out.join('\n'));
};

main();
