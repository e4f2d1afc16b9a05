/**
 * Request validation without a schema library, for the routes whose cold start it decides: the manual lead
 * entry, the import and the sales activity. Building their zod/mini schemas at import took 3–5 ms of a
 * 60 ms cold import (bench/coldstart.ts: zod's classes run their constructors, checks clone their schema,
 * and every kind of schema compiles on first use); these gates are closures, built in microseconds.
 *
 * The contract stays in zod (the `*-schema.ts` modules, which the OpenAPI document is generated from). Each
 * gate is a twin of its schema over the small part of zod these routes use: strict objects, optional and
 * defaulted fields, strings with trim / length / pattern / custom checks, enums, booleans and bounded
 * integers, ISO date-times. A gate answers what zod would on every input, the same value or the same issues
 * (code, path and zod's English message, so a 400's field errors read word for word as before):
 * test/unit/lead/request-gate.test.ts compares them on generated inputs. zod's rules that this follows
 * (zod 4.6, `zod/v4/core`): a type error stops a field's other checks, except the length checks, which
 * still run on any value with a `length`; a failed check lets the next one run; lengths count code points;
 * an absent optional key is left out, a key that is present is kept, and unknown keys of a strict object are
 * one `unrecognized_keys` issue after the fields' own.
 */

/** One problem with the input, as zod reports it (`issuesToFields` makes a 400's field errors of these). */
export interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
}
export type ParseResult<T> = { success: true; data: T } | { success: false; error: { issues: Issue[] } };

/**
 * An issue while parsing. `stop` is zod's `continue` inverted: false lets the field's next checks run,
 * undefined stops them but for the length checks, true stops those too.
 */
interface Problem extends Issue {
  stop?: boolean;
}
interface Payload {
  value: unknown;
  issues: Problem[];
}

export interface Gate<T> {
  /** How an absent key is taken: left out (`optional`), given a value (`defaulted`), or an issue. */
  readonly absent?: 'optional' | 'defaulted';
  run(payload: Payload): void;
  safeParse(input: unknown): ParseResult<T>;
}

function gate<T>(run: (payload: Payload) => void, absent?: 'optional' | 'defaulted'): Gate<T> {
  return {
    ...(absent ? { absent } : {}),
    run,
    safeParse(input) {
      const payload: Payload = { value: input, issues: [] };
      run(payload);
      if (payload.issues.length === 0) return { success: true, data: payload.value as T };
      return {
        success: false,
        error: { issues: payload.issues.map(({ code, path, message }) => ({ code, path, message })) },
      };
    },
  };
}

// zod's English messages (zod/v4/locales/en.js) for the issues these gates raise.
const typeName = (value: unknown): string => {
  if (typeof value === 'number')
    return Number.isNaN(value) ? 'NaN' : Number.isFinite(value) ? 'number' : String(value);
  if (typeof value !== 'object') return typeof value;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && 'constructor' in value && value.constructor)
    return (value.constructor as { name: string }).name;
  return 'object';
};
const quoted = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : `${value}`);
/** `hard`: stops even the length checks (zod's `continue: false`, as `int` reports a fraction). */
const typeIssue = (expected: string, value: unknown, hard = false): Problem => ({
  code: 'invalid_type',
  path: [],
  message: `Invalid input: expected ${expected}, received ${typeName(value)}`,
  ...(hard ? { stop: true } : {}),
});
const lengthOrigin = (value: unknown): string =>
  Array.isArray(value) ? 'array' : typeof value === 'string' ? 'string' : 'unknown';
const UNITS: Record<string, string> = { string: 'characters', array: 'items' };
const sizeIssue = (code: 'too_big' | 'too_small', origin: string, bound: number): Problem => {
  const relation = `${code === 'too_big' ? '<=' : '>='}${bound}`;
  const unit = UNITS[origin];
  const what = unit ? `to have ${relation} ${unit}` : `to be ${relation}`;
  return {
    code,
    path: [],
    message: `${code === 'too_big' ? 'Too big' : 'Too small'}: expected ${origin} ${what}`,
    stop: false,
  };
};

/** Code points, as zod counts a string's length (a surrogate pair is one). */
const codePoints = (text: string): number => {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    if ((text.charCodeAt(i) & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
};
const stops = (issues: readonly Problem[], from: number): boolean => {
  for (let i = from; i < issues.length; i++) if (issues[i]?.stop !== false) return true;
  return false;
};
const stoppedHard = (issues: readonly Problem[]): boolean => issues.some((i) => i.stop === true);

/** A check of a value. `onAnyLength`: runs on any value with a `length`, even after a type error (zod's `when`). */
export interface Check {
  readonly onAnyLength?: true;
  run(payload: Payload): void;
}
function runChecks(payload: Payload, checks: readonly Check[]): void {
  let stopped = stops(payload.issues, 0);
  for (const check of checks) {
    if (check.onAnyLength) {
      if (stoppedHard(payload.issues)) continue;
      const value = payload.value as { length?: unknown } | null | undefined;
      if (value === null || value === undefined || value.length === undefined) continue;
    } else if (stopped) continue;
    const before = payload.issues.length;
    check.run(payload);
    if (!stopped && payload.issues.length > before) stopped = stops(payload.issues, before);
  }
}

/** The string with its edges' white space removed (zod's `trim`). */
export function trim(): Check {
  return {
    run(payload) {
      payload.value = (payload.value as string).trim();
    },
  };
}
const lengthOf = (value: { length: unknown }, bound: number, over: boolean): unknown =>
  typeof value === 'string' &&
  (over ? value.length > bound : value.length >= bound && value.length < bound * 2)
    ? codePoints(value)
    : value.length;
export function maxLength(max: number): Check {
  return {
    onAnyLength: true,
    run(payload) {
      const value = payload.value as { length: unknown };
      if ((lengthOf(value, max, true) as number) <= max) return;
      payload.issues.push(sizeIssue('too_big', lengthOrigin(value), max));
    },
  };
}
/** At least `min` long; `message` as zod's `minLength(min, message)`. */
export function minLength(min: number, message?: string): Check {
  return {
    onAnyLength: true,
    run(payload) {
      const value = payload.value as { length: unknown };
      if ((lengthOf(value, min, false) as number) >= min) return;
      const issue = sizeIssue('too_small', lengthOrigin(value), min);
      payload.issues.push(message === undefined ? issue : { ...issue, message });
    },
  };
}
/** A pattern the whole string must match; `message` as zod's `regex(pattern, message)`. */
export function regex(pattern: RegExp, message?: string): Check {
  return {
    run(payload) {
      pattern.lastIndex = 0;
      if (pattern.test(payload.value as string)) return;
      payload.issues.push({
        code: 'invalid_format',
        path: [],
        message: message ?? `Invalid string: must match pattern ${pattern}`,
        stop: false,
      });
    },
  };
}
/** A rule of the product's own (zod's `superRefine` adding a custom issue): the problem, or null. */
export function refine<T>(problem: (value: T) => string | null): Check {
  return {
    run(payload) {
      const message = problem(payload.value as T);
      if (message !== null) payload.issues.push({ code: 'custom', path: [], message, stop: false });
    },
  };
}
/** A whole number within the safe range (zod's `int`). */
export function int(): Check {
  return {
    run(payload) {
      const value = payload.value as number;
      if (!Number.isInteger(value)) payload.issues.push(typeIssue('int', value, true));
      else if (!Number.isSafeInteger(value))
        payload.issues.push(
          value > 0
            ? sizeIssue('too_big', 'int', Number.MAX_SAFE_INTEGER)
            : sizeIssue('too_small', 'int', Number.MIN_SAFE_INTEGER),
        );
    },
  };
}
export function minimum(min: number): Check {
  return {
    run(payload) {
      if ((payload.value as number) >= min) return;
      payload.issues.push(sizeIssue('too_small', 'number', min));
    },
  };
}
export function maximum(max: number): Check {
  return {
    run(payload) {
      if ((payload.value as number) <= max) return;
      payload.issues.push(sizeIssue('too_big', 'number', max));
    },
  };
}

export function string(...checks: Check[]): Gate<string> {
  return gate((payload) => {
    if (typeof payload.value !== 'string') payload.issues.push(typeIssue('string', payload.value));
    runChecks(payload, checks);
  });
}
export function number(...checks: Check[]): Gate<number> {
  return gate((payload) => {
    const value = payload.value;
    if (typeof value !== 'number' || !Number.isFinite(value)) payload.issues.push(typeIssue('number', value));
    runChecks(payload, checks);
  });
}
export function boolean(): Gate<boolean> {
  return gate((payload) => {
    if (typeof payload.value !== 'boolean') payload.issues.push(typeIssue('boolean', payload.value));
  });
}
export function enumOf<const V extends readonly string[]>(values: V): Gate<V[number]> {
  const set: ReadonlySet<unknown> = new Set(values);
  const message =
    values.length === 1
      ? `Invalid input: expected ${quoted(values[0])}`
      : `Invalid option: expected one of ${values.map(quoted).join('|')}`;
  return gate((payload) => {
    if (!set.has(payload.value)) payload.issues.push({ code: 'invalid_value', path: [], message });
  });
}
export function optional<T>(inner: Gate<T>): Gate<T | undefined> {
  return gate<T | undefined>((payload) => {
    if (payload.value !== undefined) inner.run(payload);
  }, 'optional');
}
/** `fallback()` when the value is undefined (zod's `_default`: a fresh copy each time). */
export function withDefault<T>(inner: Gate<T>, fallback: () => T): Gate<T> {
  return gate<T>((payload) => {
    if (payload.value === undefined) payload.value = fallback();
    else inner.run(payload);
  }, 'defaulted');
}

type Shape<T> = { [K in keyof T]-?: Gate<T[K]> };
/** An object with exactly these keys (zod's `strictObject`); give the output type: `strictObject<Entry>({…})`. */
export function strictObject<T extends object>(shape: Shape<T>): Gate<T> {
  const entries = Object.entries(shape) as [string, Gate<unknown>][];
  const known = new Set(entries.map(([key]) => key));
  return gate<T>((payload) => {
    const input = payload.value;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      payload.issues.push(typeIssue('object', input));
      return;
    }
    const record = input as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, field] of entries) {
      if (key === '__proto__') continue;
      const present = key in record;
      if (!present && field.absent === 'optional') continue;
      const own: Payload = { value: record[key], issues: [] };
      field.run(own);
      for (const issue of own.issues) payload.issues.push({ ...issue, path: [key, ...issue.path] });
      if (!present && field.absent === undefined) continue;
      if (own.value !== undefined || present) out[key] = own.value;
    }
    const unknown: string[] = [];
    for (const key in record) if (!known.has(key)) unknown.push(key);
    if (unknown.length > 0)
      payload.issues.push({
        code: 'unrecognized_keys',
        path: [],
        message: `Unrecognized key${unknown.length > 1 ? 's' : ''}: ${unknown.map(quoted).join(', ')}`,
        stop: false,
      });
    payload.value = out;
  });
}

/**
 * zod's pattern of `iso.datetime({ offset: true })`: a real calendar date, `T`, hours and minutes, seconds
 * with any fraction, then `Z` or an offset (zod/v4/core regexes.datetime; the test compares the two).
 */
export const ISO_DATETIME_WITH_OFFSET =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$/;

/** An ISO 8601 date-time with seconds and a `Z` or an offset (zod's `iso.datetime({ offset: true })`). */
export function isoDateTimeWithOffset(): Gate<string> {
  return string(regex(ISO_DATETIME_WITH_OFFSET, 'Invalid ISO datetime'));
}
