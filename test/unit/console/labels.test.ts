import { describe, expect, it } from 'vitest';
import { EMAIL_ERRORS } from '#domain/capture/email-address';
import { FILE_PROBLEM_CODES, ROW_PROBLEM_CODES } from '#domain/capture/import-headers';
import { CONSENT_BASES } from '#domain/capture/manual-entry';
import { ACTIVITY_OUTCOMES, ACTIVITY_TYPES } from '#domain/handoff/activities';
import { FOLLOW_UP_PROBLEM_CODES } from '#domain/handoff/follow-up';
import { UNSUBSCRIBE_METHODS } from '#domain/lead/events';
import { CHANNEL_GROUPS, CHANNELS, STAGES } from '#domain/lead/types';
import { SEQUENCE_EXIT_CRITERIA } from '#domain/nurture/config';
import { ROLES } from '#http/access';
import { hasValueLabel, type Key, translate, type ValueKind } from '../../../console/src/i18n.ts';

/**
 * Every value the API sends that the console shows has a label in both languages: a Japanese team never reads
 * `sequence_enrolled`, `appointment_set` or `business_card` on a page. Lists the domain exports are taken from
 * the domain; the timeline types and stage reasons, written in several use cases, are listed here.
 */
const TIMELINE_TYPES = [
  'form_submitted',
  'sales_activity',
  'bantch_recorded',
  'lead_entered',
  'lead_imported',
  'email_sent',
  'email_delayed',
  'email_skipped',
  'email_soft_bounce',
  'email_suppressed',
  'sequence_enrolled',
  'sequence_completed',
  'sequence_exited',
  'unsubscribed',
];
const STAGE_REASONS = [
  'capture',
  'score',
  'handoff',
  'manual',
  'accept',
  'appointment_set',
  'qualify',
  'convert',
  'disqualify',
  'recycle',
  'import',
  'won',
  'lost',
];
const VALUES: [ValueKind, readonly string[]][] = [
  ['stage', STAGES],
  ['channel', [...CHANNELS, ...CHANNEL_GROUPS]],
  ['event', TIMELINE_TYPES],
  ['reason', STAGE_REASONS],
  ['exit', [...SEQUENCE_EXIT_CRITERIA, 'no_consent', 'sequence_removed']],
  ['basis', CONSENT_BASES],
  ['withdrawal', UNSUBSCRIBE_METHODS],
  ['status', ['open', 'won', 'lost']],
  ['role', ROLES],
  // An import's refusals: each row's problems and the file's (but `bad_map`: the console sends no map).
  ['rowProblem', ROW_PROBLEM_CODES],
  ['emailError', EMAIL_ERRORS],
  ['fieldError', FILE_PROBLEM_CODES.filter((c) => c !== 'bad_map')],
  // A planned next contact the activity route refuses.
  ['fieldError', FOLLOW_UP_PROBLEM_CODES],
  // The entry form's refusals that are not a field's.
  ['apiError', ['address_erased', 'unknown_owner']],
];

describe('the console labels every value the API sends', () => {
  for (const lang of ['ja', 'en'] as const) {
    const t = translate(lang);
    it(`given the console in ${lang}, then every stage, channel, timeline type, stage reason, exit, consent basis, withdrawal, deal status and import refusal has a label`, () => {
      const missing = VALUES.flatMap(([kind, values]) =>
        values.filter((v) => !hasValueLabel(lang, kind, v)).map((v) => `${kind}.${v}`),
      );
      expect(missing).toEqual([]);
    });

    it(`given the console in ${lang}, then every activity type and call outcome has a label`, () => {
      const missing = [...ACTIVITY_TYPES.map((a) => `type_${a}`), ...ACTIVITY_OUTCOMES.map((o) => o)].filter(
        (key) => !t(key as Key),
      );
      expect(missing).toEqual([]);
    });
  }
});
