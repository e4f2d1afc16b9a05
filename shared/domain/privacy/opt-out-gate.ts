import * as g from '#domain/lead/request-gate';

export const OPT_OUT_NOTE_MISSING = 'say how the person asked (a call, a reply, …)';

/** The body of `POST /v1/ops/leads/{leadId}/unsubscribe`, as checked (`optOutRequestSchema`'s output). */
export interface OptOutRequest {
  note: string;
  by?: string | undefined;
}

/**
 * The check of `POST /v1/ops/leads/{leadId}/unsubscribe` (#domain/lead/request-gate): the twin of
 * `optOutRequestSchema` (#domain/privacy/opt-out-request, the contract), with no schema to build at the cold
 * start (test/unit/lead/request-gate.test.ts holds the two together).
 */
export const optOutGate = g.strictObject<OptOutRequest>({
  note: g.string(g.trim(), g.minLength(1, OPT_OUT_NOTE_MISSING), g.maxLength(500)),
  by: g.optional(g.string(g.trim(), g.minLength(1), g.maxLength(128))),
});
