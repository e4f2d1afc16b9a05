import { z } from 'zod';
import { appConfigSchema } from '#config/app';
import * as raw from '#settings';

/**
 * All of marketing ops' settings (`config/`), validated together: at synth (the CDK app imports this) and
 * at every cold start. A wrong value fails with a message that names the field, e.g.
 * `config invalid: app.sender.fromAddress: Invalid email address`.
 */
export const settingsSchema = z.object({
  app: appConfigSchema,
});

export type Settings = z.output<typeof settingsSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const parseSettings = (input: unknown): Settings => {
  const result = settingsSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`config invalid:\n${lines.join('\n')}`);
  }
  return result.data;
};

export const settings: Settings = parseSettings(raw);

/** Every origin a browser may call the public API from (the HTTP API's CORS list). */
export const corsOrigins = (s: Settings = settings): string[] =>
  [...new Set([...s.app.allowedOrigins])].sort();
