import type { EventPattern, PatternValue } from '#infra/catalog';

/**
 * EventBridge content filtering, the subset our rules use: exact values (any of a list), `prefix`,
 * `anything-but`, `exists`, nested objects, and arrays in the event matching if any element matches.
 * The local router matches the same pattern objects the CDK app deploys, so this must follow AWS's rules:
 * every key in the pattern must match; a key absent from the event fails unless `exists: false`.
 */
export const matchesPattern = (pattern: EventPattern, event: unknown): boolean => {
  if (typeof event !== 'object' || event === null) return false;
  const record = event as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = record[key];
    if (Array.isArray(expected)) return matchesValues(expected, actual, key in record);
    return matchesPattern(expected, actual);
  });
};

const matchesValues = (allowed: PatternValue[], actual: unknown, present: boolean): boolean => {
  const values = Array.isArray(actual) ? actual : [actual];
  return allowed.some((rule) => {
    if (rule !== null && typeof rule === 'object') {
      if ('exists' in rule) return rule.exists === (present && actual !== undefined);
      if (!present) return false;
      if ('prefix' in rule) return values.some((v) => typeof v === 'string' && v.startsWith(rule.prefix));
      if ('anything-but' in rule) {
        const banned = Array.isArray(rule['anything-but']) ? rule['anything-but'] : [rule['anything-but']];
        return values.some((v) => (typeof v === 'string' || typeof v === 'number') && !banned.includes(v));
      }
      return false;
    }
    return present && values.some((v) => v === rule);
  });
};
