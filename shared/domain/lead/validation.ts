import { config, globalRegistry } from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

/**
 * Request validation on a Lambda's cold path uses zod/mini: the same zod core (same checks, same issues,
 * same paths and messages), but tree-shakable functions instead of classic zod's chained methods, so a
 * bundle carries a few KB of it instead of about 450 KB (bench/coldstart.ts). Import it as
 * `import * as z from '#domain/lead/validation'` (a namespace import keeps esbuild's tree-shaking): this
 * module re-exports zod/mini and loads zod's English messages, which classic zod sets by itself and
 * zod/mini does not, so a 400's field errors read word for word as before.
 *
 * Classic zod stays where nothing is on a cold path: the config schemas (shared/config, validated at synth)
 * and the OpenAPI document. The manual lead entry, the import and the sales activity build no schema at all:
 * they check requests with `#domain/lead/request-gate`, their zod schemas' hand-written twins.
 */
config(en());

export * from 'zod/mini';

/** Metadata for the OpenAPI document (classic zod's `.meta()`): description, example. Returns the schema. */
export function withMeta<T extends $ZodType>(
  schema: T,
  meta: { description?: string; example?: unknown },
): T {
  globalRegistry.add(schema, meta);
  return schema;
}

/**
 * A schema built on first use, then kept. zod/mini builds a schema when its definition runs, and at a cold
 * start building one costs more than parsing with it (bench/coldstart.ts), so a module whose schemas a bundle
 * may use only some of (the sales actions, the activity, the lead list's query) defines them with this, and a
 * bundle builds only those its handler parses with. A handler that parses with the same schema on every request builds it at import
 * (calls the getter at module scope), so the first request does not pay for it either. Give each call
 * esbuild's pure annotation (`@__PURE__`): a getter no code of the bundle reads is then dropped with the schema
 * code only it holds (the manual lead entry bundles the sales actions' module and parses with none of them).
 */
export function lazySchema<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => {
    built ??= build();
    return built;
  };
}
