/**
 * The contract of the manual lead entry (`POST /v1/ops/leads`) and the import (`POST /v1/ops/imports`) as
 * zod schemas: what the OpenAPI document states and the types of an entry and of an import's options. The
 * routes check requests with their twins in `#domain/lead/request-gate` (`leadEntryGate`, `importRequestGate`,
 * `importQueryGate`), so no schema is built at their cold start; test/unit/lead/request-gate.test.ts holds
 * each gate to its schema here on generated inputs, and their types to the gates' (`LeadEntry`,
 * `ImportRequest`, `ImportQueryInput`).
 */

import { CSV_ENCODINGS } from '#domain/capture/csv-import';
import { normalizeEmail } from '#domain/capture/email-address';
import { MAX_ENTRY_VALUE_LENGTH } from '#domain/capture/entry-rules';
import {
  CONSENT_BASES,
  ENTRY_ATTRIBUTES,
  ENTRY_CHANNELS,
  type EntryAttribute,
  valueProblem,
} from '#domain/capture/manual-entry';
import * as z from '#domain/lead/validation';

const attributeSchema = (field: EntryAttribute) =>
  z.string().check(
    z.trim(),
    z.superRefine((v, ctx) => {
      const problem = valueProblem(field, v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );

/** The body of `POST /v1/ops/leads` (also what an import row becomes). */
export const leadEntrySchema = z.strictObject({
  email: z.string().check(
    z.maxLength(1024),
    z.superRefine((v, ctx) => {
      const n = normalizeEmail(v);
      if (!n.ok) ctx.addIssue({ code: 'custom', message: `not a valid e-mail address (${n.error})` });
    }),
  ),
  attributes: z._default(
    z.strictObject(
      Object.fromEntries(ENTRY_ATTRIBUTES.map((f) => [f, z.optional(attributeSchema(f))])) as {
        [K in EntryAttribute]: z.ZodMiniOptional<ReturnType<typeof attributeSchema>>;
      },
    ),
    {},
  ),
  channel: z.enum(ENTRY_CHANNELS),
  source: z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_ENTRY_VALUE_LENGTH)),
  ownerId: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
  consentBasis: z.enum(CONSENT_BASES),
  /** The person asked for contact (a phone inquiry): handed off as an inquiry (the inquiry route's clocks). */
  inquiry: z.optional(z.boolean()),
});

const importOptionFields = {
  channel: z.enum(ENTRY_CHANNELS),
  source: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  consent: z.enum(CONSENT_BASES),
  ownerId: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
  encoding: z.optional(z.enum(CSV_ENCODINGS)),
  map: z.optional(z.string().check(z.maxLength(2000))),
};
/** `POST /v1/ops/imports` with a JSON body: the CSV text and the import's options. */
export const importRequestSchema = z.strictObject({
  csv: z.string().check(z.minLength(1)),
  ...importOptionFields,
  dryRun: z.optional(z.boolean()),
});
/**
 * `POST /v1/ops/imports` with a `text/csv` body: the options in the query string, where `dryRun` is the
 * text `true` or `false`.
 */
export const importQuerySchema = z.strictObject({
  ...importOptionFields,
  dryRun: z.optional(z.enum(['true', 'false'])),
});
