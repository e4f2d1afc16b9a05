/**
 * The limits of a lead entered by hand (`POST /v1/ops/leads`, an import row), as data: the entry's gate
 * (#domain/capture/manual-entry) checks them, and the console's entry form states them on its fields
 * (`maxlength`, `pattern`), so a person hears of a bad value before sending it. No code here: the console
 * bundles this module.
 */

export const MAX_ENTRY_VALUE_LENGTH = 200;
export const MAX_MESSAGE_LENGTH = 2000;

/**
 * A phone number as people type it: digits (0-9, ０-９), `+`, parentheses (ASCII and （）), hyphens and dashes
 * (-, －, ー, ‐), spaces (ASCII and the ideographic 　) and dots. The source of a character class valid with
 * and without the `v` flag (an HTML `pattern` is compiled with `v`, where `(`, `)` and `-` in a class must be
 * escaped), written with \u escapes so a bundle stays ASCII (see "pure ASCII" in test/infra/bundling.test.ts).
 */
export const PHONE_PATTERN = '[0-9\\uFF10-\\uFF19+\\(\\)\\uFF08\\uFF09\\-\\uFF0D\\u30FC\\u2010 \\u3000.]+';

/**
 * What an entry's `ownerId` or `inquiry` did, as the entry's answer says it (the console reads the same
 * shape): the hand-off opened (trigger `manual` for that owner, `inquiry` for an inquiry), or why none was
 * opened (the lead already has an open hand-off, sales owns it, the owner is away); `null` with neither.
 */
export type EntryAssignment =
  | {
      handoffNumber: number;
      ownerId: string;
      /** An inquiry on a lead someone in sales already had (their open hand-off, left as it is). */
      already?: true;
      /** The hand-off's accept deadline, and its first-contact deadline when it has that clock (ISO). */
      dueAt?: string;
      firstContactDueAt?: string;
    }
  | { skipped: string }
  | null;
