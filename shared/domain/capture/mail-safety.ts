/**
 * What a visitor can make the capture mail say. Capture mail (auto-reply, double opt-in request) goes to an
 * address nobody has proven to own yet, so it must never carry the visitor's own words to it: otherwise the
 * form relays spam ("your message: buy at http://…") from our domain to anyone.
 *
 * - Templates sent by capture may use only the salutation's attributes (`MAIL_SAFE_ATTRIBUTES`): config
 *   validation refuses any other `lead.*` variable in them (`visitorTextVariables`).
 * - Those attributes are sent only when they carry no link: a value that looks like a URL or a domain is
 *   left out (the template's fallback, e.g. 「ご担当者様」, is used instead).
 */
import type { LeadAttribute, LeadAttributes } from '#domain/lead/types';
import { parseTemplate, type RenderableTemplate } from '#domain/nurture/templates';

export const MAIL_SAFE_ATTRIBUTES = [
  'lastName',
  'firstName',
  'company',
] as const satisfies readonly LeadAttribute[];

const LINK_LIKE = /(:\/\/|www\.|@|[a-z0-9-]+\.(?:[a-z]{2,}|xn--[a-z0-9-]+)(?:[/:?#\s]|$))/i;

/** True when a value could be followed as a link (mail clients turn bare domains into links). */
export function looksLikeLink(value: string): boolean {
  return LINK_LIKE.test(value.normalize('NFKC'));
}

/** The attributes capture mail may show: the salutation's, and only those without anything link-like. */
export function mailSafeAttributes(attributes: LeadAttributes): LeadAttributes {
  const safe: LeadAttributes = {};
  for (const key of MAIL_SAFE_ATTRIBUTES) {
    const value = attributes[key];
    if (value && !looksLikeLink(value)) safe[key] = value;
  }
  return safe;
}

/**
 * Variables of a capture template that would echo visitor input: any `lead.<attribute>` other than the
 * mail-safe ones (e.g. `lead.message`, `lead.title`).
 */
export function visitorTextVariables(variables: readonly string[][]): string[] {
  const allowed = new Set<string>(MAIL_SAFE_ATTRIBUTES);
  return variables
    .filter((path) => path[0] === 'lead' && !allowed.has(path[1] ?? ''))
    .map((path) => path.join('.'));
}

/** Every variable path a template's variants use (`lead.message` → `['lead', 'message']`). */
export function templateVariablePaths(template: Pick<RenderableTemplate, 'locales'>): string[][] {
  const paths: string[][] = [];
  for (const variant of Object.values(template.locales)) {
    for (const source of [variant?.subject, variant?.html, variant?.text]) {
      for (const token of source ? parseTemplate(source) : [])
        if (token.type === 'var') paths.push(token.path);
    }
  }
  return paths;
}
