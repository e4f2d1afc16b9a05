/**
 * `Lead Updated` (the CRM sync) follows a score only when it crosses a temperature threshold: the state
 * change events announce `Lead Temperature Changed` exactly when the temperature the score maps to changes,
 * and that is the only scoring event the crm-sync rule listens to.
 */
import { describe, expect, it } from 'vitest';
import { CRM_SYNC_TRIGGERS, crmSyncWanted } from '#domain/deals/crm-sync';
import { DETAIL_TYPES } from '#domain/lead/events';
import { type LeadState, stateChangeEvents } from '#domain/lead/lead';
import { temperatureFor } from '#domain/scoring/scoring';
import { scoring as demoScoring } from '../../../config/scoring.ts';

const thresholds = demoScoring as unknown as Parameters<typeof temperatureFor>[1];
const state = (total: number, version: number): LeadState =>
  ({
    leadId: 'lead-1',
    stage: 'sal',
    stageHistory: [],
    temperature: temperatureFor(total, thresholds),
    score: { fit: 20, behaviour: total - 20, total },
    version,
    handoff: { n: 1 },
  }) as unknown as LeadState;

const detailTypes = (before: number, after: number): string[] =>
  stateChangeEvents(state(before, 1), state(after, 2), 0).map((e) => e.detailType);

describe('CRM sync on a score crossing a temperature', () => {
  it('given a handed-off lead, when its score moves inside one temperature band, then no event asks for a CRM update; when it crosses a threshold, exactly one does', () => {
    // Arrange
    const { warm, hot } = thresholds.temperature;

    // Act
    const inside = detailTypes(warm + 1, hot - 1);
    const up = detailTypes(hot - 1, hot);
    const down = detailTypes(warm, warm - 1);

    // Assert
    expect(inside.filter((t) => crmSyncWanted(t, { handoff: state(0, 1).handoff }))).toEqual([]);
    expect(up.filter((t) => crmSyncWanted(t, { handoff: state(0, 1).handoff }))).toEqual([
      'Lead Temperature Changed',
    ]);
    expect(down.filter((t) => crmSyncWanted(t, { handoff: state(0, 1).handoff }))).toEqual([
      'Lead Temperature Changed',
    ]);
  });

  it('given the event catalogue, then the temperature change is the only scoring event the CRM sync listens to, and nothing syncs before the hand-off', () => {
    // Assert
    expect(DETAIL_TYPES.filter((t) => /Score|Temperature/.test(t))).toEqual(['Lead Temperature Changed']);
    expect(CRM_SYNC_TRIGGERS).toContain('Lead Temperature Changed');
    expect(crmSyncWanted('Lead Temperature Changed', {})).toBe(false);
  });
});
