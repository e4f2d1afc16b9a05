import type { z } from 'zod';

/**
 * The one error type and the one issue formatter for configuration. Every problem is reported with its
 * path the way marketing ops read it, from the top of `config/` (`forms[0].fields[2].attribute`,
 * `scoring.behaviour.rules[3].cap.per`), so a wrong value fails at synth or cold start naming the field.
 */
export interface ConfigIssue {
  path: readonly PropertyKey[];
  message: string;
}

export interface ConfigProblem {
  /** e.g. `sequences[1].steps[0].templateId`. */
  path: string;
  message: string;
}

/** A zod-style path as text: numbers in brackets, keys joined with dots; `(root)` for the empty path. */
export function configPath(path: readonly PropertyKey[], root = ''): string {
  const text = path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}${acc ? '.' : ''}${String(key)}`),
    root,
  );
  return text || '(root)';
}

/** Issues (zod's or our own cross-checks) as problems, their paths prefixed with `root`. */
export function formatIssues(issues: readonly ConfigIssue[], root = ''): ConfigProblem[] {
  return issues.map((issue) => ({ path: configPath(issue.path, root), message: issue.message }));
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`config invalid:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  }
}

/**
 * Validates `input` with any config schema (an area's, or the whole `settingsSchema`); throws a
 * `ConfigError` listing every problem, paths prefixed with `root` (e.g. `'scoring'`).
 */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(formatIssues(result.error.issues, root));
  return result.data;
}
