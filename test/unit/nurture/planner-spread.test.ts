import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type NurtureSettings,
  nurtureSettingsSchema,
  type SequenceConfig,
  sequenceSchema,
} from '#config/sequences';
import type { EpochMs } from '#domain/lead/types';
import { isInWindow, nextWindowOpening } from '#domain/nurture/calendar';
import {
  type EnrollmentState,
  firstDueAt,
  type LeadSnapshot,
  newEnrollment,
  nextDueAt,
  planStep,
  resolveWindow,
  stepDueAt,
} from '#domain/nurture/sequences';
import { nurtureSettings as demoNurtureSettings } from '../../../config/sequences.ts';

/** Send-window spread wired into the planner (issue 16 item 6): a morning's held sends arrive spread. */

const MINUTE = 60_000;
const HOUR = 3_600_000;
const jst = (local: string) => Date.parse(`${local}:00+09:00`);

const withSpread = (spreadMinutes: number | undefined): NurtureSettings =>
  nurtureSettingsSchema.parse({ sendWindow: spreadMinutes === undefined ? {} : { spreadMinutes } });

const trial: SequenceConfig = sequenceSchema.parse({
  id: 'trial',
  name: 'Trial follow-up',
  entry: { kind: 'recycled' },
  steps: [
    { id: 'welcome', delay: { value: 0, unit: 'days' }, templateId: 't1' },
    { id: 'tips', delay: { value: 1, unit: 'days' }, templateId: 't2' },
  ],
});

const lead: LeadSnapshot = {
  stage: 'lead',
  temperature: 'cold',
  unsubscribed: false,
  suppressed: false,
  marketingConsent: true,
  engagement: { opened: [], clicked: [] },
};

const enrolled = (leadId: string, at: EpochMs): EnrollmentState => ({
  ...newEnrollment(trial.id, at),
  leadId,
});

describe('planner: send-window spread', () => {
  it('given the demo config, then a morning is spread over 30 minutes', () => {
    expect(nurtureSettingsSchema.parse(demoNurtureSettings).sendWindow.spreadMinutes).toBe(30);
  });

  it('given a spread of 30 minutes, when a lead enrolled on a Friday night is planned, then its first step goes out on Tuesday (Monday is 成人の日) between 09:00 and 09:29 on a whole minute', () => {
    // Act
    const due = firstDueAt(trial, jst('2026-01-09T20:00'), withSpread(30), undefined, 'lead-a');

    // Assert
    const opening = jst('2026-01-13T09:00');
    expect(due).toBeGreaterThanOrEqual(opening);
    expect(due).toBeLessThan(opening + 30 * MINUTE);
    expect(((due ?? 0) - opening) % MINUTE).toBe(0);
  });

  it('given no spread (absent or 0), when planned, then every held step goes out at the opening itself, as before', () => {
    for (const settings of [withSpread(undefined), withSpread(0)]) {
      expect(firstDueAt(trial, jst('2026-01-09T20:00'), settings, undefined, 'lead-a')).toBe(
        jst('2026-01-13T09:00'),
      );
    }
  });

  it('given a step due inside the window, when planned with a spread, then it is not moved', () => {
    const enrolledAt = jst('2026-01-14T10:17');
    expect(firstDueAt(trial, enrolledAt, withSpread(30), undefined, 'lead-a')).toBe(enrolledAt);
    expect(nextDueAt(trial, 1, enrolledAt, withSpread(30), undefined, 'lead-a')).toBe(
      jst('2026-01-15T10:17'),
    );
  });

  it('given the same enrollment, when planned again (a replay, a retried sweep), then the same minute; another lead gets its own', () => {
    const at = jst('2026-01-09T20:00');
    const first = firstDueAt(trial, at, withSpread(30), undefined, 'lead-a');
    expect(firstDueAt(trial, at, withSpread(30), undefined, 'lead-a')).toBe(first);
    const others = new Set(
      Array.from({ length: 20 }, (_, i) => firstDueAt(trial, at, withSpread(30), undefined, `lead-${i}`)),
    );
    expect(others.size).toBeGreaterThan(5);
  });

  it('given a lead enrolled at night, when planStep waits for the window, then it waits for the same spread minute the enrollment was stored with', () => {
    // Arrange
    const at = jst('2026-01-09T20:00');
    const settings = withSpread(30);

    // Act
    const decision = planStep(enrolled('lead-a', at), trial, lead, [], settings, at);

    // Assert
    expect(decision).toEqual({
      action: 'wait',
      until: firstDueAt(trial, at, settings, undefined, 'lead-a'),
      reason: 'window',
    });
  });

  it('given a frequency cap releasing at night, when planned, then the wait ends at a spread minute inside the next window', () => {
    // Arrange: 3 sends in the last week; the oldest ages out on Wednesday at 19:00 (after closing).
    const now = jst('2026-01-14T10:00');
    const sends = [jst('2026-01-07T19:00'), jst('2026-01-12T10:00'), jst('2026-01-13T10:00')];
    const settings = withSpread(30);

    // Act
    const decision = planStep(enrolled('lead-a', now), trial, lead, sends, settings, now);

    // Assert
    expect(decision.action).toBe('wait');
    if (decision.action !== 'wait') return;
    expect(decision.reason).toBe('frequency_cap');
    expect(decision.until).toBeGreaterThanOrEqual(jst('2026-01-15T09:00'));
    expect(decision.until).toBeLessThan(jst('2026-01-15T09:30'));
  });

  it("given a sequence window without its own spread, then it takes the settings'; with its own, its own", () => {
    const settings = withSpread(30);
    const inherits = sequenceSchema.parse({ ...trial, window: { start: '10:00', end: '17:00' } });
    const own = sequenceSchema.parse({
      ...trial,
      window: { start: '10:00', end: '17:00', spreadMinutes: 5 },
    });
    expect(resolveWindow(inherits, settings).spreadMinutes).toBe(30);
    expect(resolveWindow(own, settings).spreadMinutes).toBe(5);
    expect(resolveWindow(trial, withSpread(undefined)).spreadMinutes).toBe(0);
  });

  it("given a sequence window without closed dates, then it keeps the settings' (the New Year closure); with its own, its own", () => {
    const base = withSpread(30);
    const settings = { ...base, sendWindow: { ...base.sendWindow, closedDates: ['12-29', '01-03'] } };
    const inherits = sequenceSchema.parse({ ...trial, window: { start: '10:00', end: '12:00' } });
    const own = sequenceSchema.parse({
      ...trial,
      window: { start: '10:00', end: '12:00', closedDates: ['08-13'] },
    });
    expect(resolveWindow(inherits, settings).closedDates).toEqual(['12-29', '01-03']);
    expect(resolveWindow(own, settings).closedDates).toEqual(['08-13']);
  });

  it('given a spread longer than the window, or negative, or fractional, when the config is read, then it is refused naming the field', () => {
    for (const sendWindow of [
      { start: '09:00', end: '09:20', spreadMinutes: 30 },
      { spreadMinutes: -1 },
      { spreadMinutes: 2.5 },
    ]) {
      const parsed = nurtureSettingsSchema.safeParse({ sendWindow });
      expect(parsed.success, JSON.stringify(sendWindow)).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(['sendWindow', 'spreadMinutes']);
    }
  });

  it('given 1,500 leads enrolled overnight, when planned with a 30-minute spread, then every minute gets a share and none more than 1.5× the even share', () => {
    // Arrange: enrolled over the evening (each at its own instant, as form posts are).
    const perMinute = new Array<number>(30).fill(0);
    const opening = jst('2026-01-15T09:00');

    // Act
    for (let i = 0; i < 1_500; i++) {
      const due = firstDueAt(trial, jst('2026-01-14T19:00') + i * 15_013, withSpread(30), undefined, `L${i}`);
      const minute = ((due ?? 0) - opening) / MINUTE;
      perMinute[minute] = (perMinute[minute] ?? 0) + 1;
    }

    // Assert: 50 a minute when even, instead of 1,500 at 09:00.
    expect(perMinute).toHaveLength(30);
    expect(perMinute.reduce((a, b) => a + b, 0)).toBe(1_500);
    expect(Math.min(...perMinute)).toBeGreaterThan(25);
    expect(Math.max(...perMinute)).toBeLessThanOrEqual(75);
  });

  // Property budgets: 200 runs each, well under a second alone on a loaded machine.
  const delayArb = fc.oneof(
    fc.record({ value: fc.integer({ min: 0, max: 72 }), unit: fc.constant('hours' as const) }),
    fc.record({ value: fc.integer({ min: 0, max: 6 }), unit: fc.constant('days' as const) }),
    fc.record({ value: fc.integer({ min: 0, max: 4 }), unit: fc.constant('businessDays' as const) }),
  );
  const windowArb = fc.record({
    timeZone: fc.constantFrom('Asia/Tokyo', 'America/New_York'),
    start: fc.constantFrom('08:00', '09:00', '10:30'),
    end: fc.constantFrom('12:00', '18:00'),
    spreadMinutes: fc.integer({ min: 0, max: 90 }),
  });
  const fromArb = fc.integer({ min: jst('2026-01-01T00:00'), max: jst('2027-12-20T00:00') });

  it('given any delay, start, window, spread and lead, when the next step is planned, then it is inside the window, no earlier than the opening it waited for, within the spread, the same every time, and the planner sends then', () => {
    fc.assert(
      fc.property(delayArb, fromArb, windowArb, fc.string({ maxLength: 12 }), (delay, from, w, leadId) => {
        // Arrange
        const sequence = sequenceSchema.parse({
          ...trial,
          steps: [{ id: 's', delay, templateId: 't' }],
          window: w,
        });
        const settings = withSpread(undefined);
        const window = resolveWindow(sequence, settings);
        const rawDue = stepDueAt({ delay }, from, window);
        const opening = nextWindowOpening(rawDue, window);

        // Act
        const due = nextDueAt(sequence, 0, from, settings, undefined, leadId) ?? Number.NaN;

        // Assert
        expect(isInWindow(due, window)).toBe(true);
        expect(due).toBeGreaterThanOrEqual(opening);
        if (opening === rawDue) expect(due).toBe(rawDue);
        else expect(due).toBeLessThan(opening + Math.max(1, w.spreadMinutes) * MINUTE);
        expect(nextDueAt(sequence, 0, from, settings, undefined, leadId)).toBe(due);
        // A sweep at the planned instant sends: no wait loop at the edge of the spread.
        const enrollment = { ...newEnrollment(sequence.id, from), leadId };
        expect(planStep(enrollment, sequence, lead, [], settings, due)).toMatchObject({ action: 'send' });
      }),
      { numRuns: 200 },
    );
  }, 20_000);

  it('given any instant outside the window, when planStep waits, then the wait ends inside the window within the spread', () => {
    fc.assert(
      fc.property(fromArb, fc.integer({ min: 0, max: 60 }), fc.string({ maxLength: 12 }), (t, spread, id) => {
        const settings = withSpread(spread);
        const window = resolveWindow(trial, settings);
        fc.pre(!isInWindow(t, window));
        const decision = planStep(
          { ...newEnrollment(trial.id, t), leadId: id },
          trial,
          lead,
          [],
          settings,
          t,
        );
        expect(decision.action).toBe('wait');
        if (decision.action !== 'wait') return;
        const opening = nextWindowOpening(t, window);
        expect(isInWindow(decision.until, window)).toBe(true);
        expect(decision.until).toBeGreaterThanOrEqual(opening);
        expect(decision.until).toBeLessThan(opening + Math.max(1, spread) * MINUTE);
        expect(decision.until - t).toBeLessThan(10 * 24 * HOUR);
      }),
      { numRuns: 200 },
    );
  }, 20_000);
});
