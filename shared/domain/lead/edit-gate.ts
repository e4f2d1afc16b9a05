import { normalizeEmail } from '#domain/capture/email-address';
import { valueProblem } from '#domain/capture/manual-entry';
import {
  EDIT_FIELDS,
  EDITABLE_ATTRIBUTES,
  type EditableAttribute,
  type EditField,
  type LeadEditRequest,
  PROPOSAL_DECISIONS,
} from '#domain/lead/edit';
import * as g from '#domain/lead/request-gate';

/**
 * A value an edit sets: trimmed, then the manual entry's rules (`valueProblem`); `""` clears. The address as
 * the manual entry takes it (normalized by the domain; it cannot be cleared).
 */
const valueGate = (field: EditField) =>
  field === 'email'
    ? g.optional(
        g.string(
          g.maxLength(1024),
          g.refine((v: string) => {
            const n = normalizeEmail(v);
            return n.ok ? null : `not a valid e-mail address (${n.error})`;
          }),
        ),
      )
    : g.optional(
        g.string(
          g.trim(),
          g.refine((v: string) => (v === '' ? null : valueProblem(field, v))),
        ),
      );

/**
 * The check of `POST /v1/ops/leads/{leadId}/attributes` (#domain/lead/request-gate): the twin of
 * `leadEditSchema` (#domain/lead/edit-request, the contract), with no schema to build at the cold start
 * (test/unit/lead/request-gate.test.ts holds the two together).
 */
export const leadEditGate = g.strictObject<LeadEditRequest>({
  actionId: g.string(
    g.minLength(1),
    g.maxLength(128),
    g.regex(/^[A-Za-z0-9._:-]+$/, 'actionId may contain letters, digits and . _ : - only'),
  ),
  attributes: g.withDefault(
    g.strictObject<LeadEditRequest['attributes']>(
      Object.fromEntries(EDIT_FIELDS.map((f) => [f, valueGate(f)])) as {
        [K in EditField]: ReturnType<typeof valueGate>;
      },
    ),
    () => ({}),
  ),
  proposals: g.withDefault(
    g.strictObject<LeadEditRequest['proposals']>(
      Object.fromEntries(EDITABLE_ATTRIBUTES.map((f) => [f, g.optional(g.enumOf(PROPOSAL_DECISIONS))])) as {
        [K in EditableAttribute]: ReturnType<typeof g.optional<(typeof PROPOSAL_DECISIONS)[number]>>;
      },
    ),
    () => ({}),
  ),
  note: g.optional(g.string(g.trim(), g.maxLength(500))),
  by: g.optional(g.string(g.trim(), g.minLength(1), g.maxLength(200))),
});
