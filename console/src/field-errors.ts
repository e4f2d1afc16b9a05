import type { ApiError } from './api.ts';
import { fill, hasValueLabel, type Lang, type T, valueLabel } from './i18n.ts';

/**
 * A field error of the API in the reader's words. The API's field errors carry a code: the product's own
 * (`follow_up_too_far`, an import file's problems) are worded by `fieldError.<code>`; a request check's are
 * zod's issue codes (`invalid_type`, `too_big`, …, also from the gates that stand in for zod on cold paths),
 * whose English message holds the rest (the bound, a missing value, the e-mail's problem), in zod's stable
 * wording (zod/v4/locales/en). `test/unit/console/field-errors.test.ts` holds this to the real checks' output.
 */
type FieldProblem = ApiError['fields'][number];

/** The field as the form names it: a lead attribute's label, another field's, else the API's path. */
function fieldLabel(t: T, lang: Lang, field: string): string {
  const attribute = field.startsWith('attributes.') ? field.slice('attributes.'.length) : field;
  if (hasValueLabel(lang, 'attribute', attribute)) return valueLabel(t, 'attribute', attribute);
  if (hasValueLabel(lang, 'fieldName', field)) return valueLabel(t, 'fieldName', field);
  return field;
}

/** The e-mail address's problem (`not a valid e-mail address (missing_at)`) or an entry value's, as codes. */
function customProblem(t: T, lang: Lang, message: string): string | undefined {
  const email = /^not a valid e-mail address \((\w+)\)$/.exec(message)?.[1];
  if (email && hasValueLabel(lang, 'emailError', email)) return valueLabel(t, 'emailError', email);
  const long = /^longer than (\d+) characters$/.exec(message)?.[1];
  if (long) return fill(valueLabel(t, 'rowProblem', 'too_long'), { n: long });
  const value: Record<string, string> = {
    'contains control characters': 'control_characters',
    'not a phone number': 'not_phone',
    'not an IANA time zone (e.g. Asia/Tokyo)': 'not_time_zone',
  };
  const code = value[message];
  return code ? valueLabel(t, 'rowProblem', code) : undefined;
}

/** What is wrong, without the field: from the product's code, else from zod's issue code and message. */
function problemText(t: T, lang: Lang, f: FieldProblem): string | undefined {
  const code = f.code ?? '';
  const bound = /([<>]=)(\d+)/.exec(f.message)?.[2] ?? '';
  const string = /expected string/.test(f.message);
  const array = /expected array/.test(f.message);
  switch (code) {
    case 'invalid_type':
      return valueLabel(t, 'issue', /received undefined$/.test(f.message) ? 'missing' : 'invalid_type');
    case 'too_big':
      return fill(valueLabel(t, 'issue', string ? 'too_long' : array ? 'too_many' : 'too_big'), { n: bound });
    case 'too_small':
      // A required text is one of at least one character (after trimming): "required".
      if (string)
        return fill(valueLabel(t, 'issue', bound === '1' ? 'too_short' : 'too_few_chars'), { n: bound });
      return fill(valueLabel(t, 'issue', 'too_small'), { n: bound });
    case 'invalid_format':
    case 'invalid_value':
    case 'unrecognized_keys':
      return valueLabel(t, 'issue', code);
    case 'custom':
      return customProblem(t, lang, f.message) ?? valueLabel(t, 'issue', 'custom');
    default:
      return undefined;
  }
}

/**
 * One field error in the reader's language: 「電話番号: 電話番号として読めません…」. Undefined when the console
 * has no words for it (then the caller shows the API's English).
 */
export function fieldErrorText(t: T, lang: Lang, f: FieldProblem): string | undefined {
  if (f.code && hasValueLabel(lang, 'fieldError', f.code))
    return fill(valueLabel(t, 'fieldError', f.code), f.params ?? {});
  // In English the API's own message is the more precise wording.
  if (lang === 'en') return undefined;
  const problem = problemText(t, lang, f);
  if (problem === undefined) return undefined;
  return f.field === '(body)' || f.field === '(query)'
    ? problem
    : `${fieldLabel(t, lang, f.field)}: ${problem}`;
}
