import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * Request validation on a Lambda's cold path uses zod/mini: the same zod core (same checks, same issues,
 * same paths), but tree-shakable functions instead of classic zod's chained methods, so a bundle carries a
 * few KB of it instead of about 450 KB (bench/coldstart.ts). Import it as `import { z } from
 * '#domain/lead/validation'`: this module also loads zod's English messages, which classic zod sets by
 * itself and zod/mini does not, so a 400's field errors read word for word as before.
 *
 * Classic zod stays where nothing is on a cold path: the config schemas (shared/config, validated at synth)
 * and the OpenAPI document (built at synth).
 */
z.config(en());

export { z };

/** Metadata for the OpenAPI document (`.meta()` of classic zod): description, example. */
export function describe<T extends z.core.$ZodType>(
  schema: T,
  meta: { description?: string; example?: unknown },
): T {
  z.globalRegistry.add(schema, meta);
  return schema;
}
