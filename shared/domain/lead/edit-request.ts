import { normalizeEmail } from '#domain/capture/email-address';
import { valueProblem } from '#domain/capture/manual-entry';
import {
  EDIT_FIELDS,
  EDITABLE_ATTRIBUTES,
  type EditableAttribute,
  type EditField,
  PROPOSAL_DECISIONS,
} from '#domain/lead/edit';
import * as z from '#domain/lead/validation';

const valueSchema = (field: EditField) =>
  field === 'email'
    ? z.string().check(
        z.maxLength(1024),
        z.superRefine((v, ctx) => {
          const n = normalizeEmail(v);
          if (!n.ok) ctx.addIssue({ code: 'custom', message: `not a valid e-mail address (${n.error})` });
        }),
      )
    : z.string().check(
        z.trim(),
        z.superRefine((v, ctx) => {
          const problem = v === '' ? null : valueProblem(field, v);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      );

/**
 * The body of `POST /v1/ops/leads/{leadId}/attributes`: sales setting or clearing a lead's details and
 * deciding the changes unverified form posts proposed. The route checks requests with its twin,
 * `leadEditGate` (#domain/lead/edit-gate).
 */
export const leadEditSchema = z.withMeta(
  z.strictObject({
    actionId: z.withMeta(
      z
        .string()
        .check(
          z.minLength(1),
          z.maxLength(128),
          z.regex(/^[A-Za-z0-9._:-]+$/, 'actionId may contain letters, digits and . _ : - only'),
        ),
      {
        description:
          'Idempotency key: the same edit sent again answers its first result and changes nothing.',
      },
    ),
    attributes: z.withMeta(
      z._default(
        z.strictObject(
          Object.fromEntries(EDIT_FIELDS.map((f) => [f, z.optional(valueSchema(f))])) as {
            [K in EditField]: z.ZodMiniOptional<ReturnType<typeof valueSchema>>;
          },
        ),
        {},
      ),
      {
        description:
          'New values (trimmed; the manual entry’s rules); "" clears one. `email` corrects the address (normalized as capture does; not cleared): 409 when another lead has it or it was erased.',
      },
    ),
    proposals: z.withMeta(
      z._default(
        z.strictObject(
          Object.fromEntries(EDITABLE_ATTRIBUTES.map((f) => [f, z.optional(z.enum(PROPOSAL_DECISIONS))])) as {
            [K in EditableAttribute]: z.ZodMiniOptional<
              z.ZodMiniEnum<{ apply: 'apply'; dismiss: 'dismiss' }>
            >;
          },
        ),
        {},
      ),
      {
        description:
          'Per attribute with an open proposal (`proposedAttributes` of the lead): apply it or dismiss it.',
      },
    ),
    note: z.optional(
      z.withMeta(z.string().check(z.trim(), z.maxLength(500)), {
        description: 'Why or where from (kept on the timeline line).',
      }),
    ),
    by: z.optional(
      z.withMeta(z.string().check(z.trim(), z.minLength(1), z.maxLength(200)), {
        description: 'Who edited (machine clients; a person is recorded as themselves).',
      }),
    ),
  }),
  {
    example: {
      actionId: 'edit-2026-12-08-0001',
      attributes: { title: '部長', phone: '03-1234-5678', department: '' },
      proposals: { company: 'apply' },
      note: '電話で確認',
    },
  },
);
