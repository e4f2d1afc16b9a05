/**
 * What the erase route validates its body with (`DELETE /v1/ops/leads/{leadId}`), for the handler. Not
 * re-exported by erase-lead.ts: the sweeper erases on retention through that use case and has no request to
 * validate, so it does not bundle the validator.
 */
export { type EraseRequest, eraseRequestSchema } from '#domain/privacy/erase-request';
