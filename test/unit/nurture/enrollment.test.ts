import { describe, expect, it } from 'vitest';
import { settings } from '#config/settings';
import { CONFIRM_TOKEN_TTL_MS } from '#domain/capture/tokens';
import { eventHash, type Lead } from '#domain/lead/lead';
import {
  candidatesFor,
  type EnrollmentRecord,
  earlierTriggersAfter,
  exitMetAtStart,
  REMEMBERED_TRIGGERS,
  ranForOpenHandoff,
  runsEndedBy,
  snapshotOf,
  startedEarlierRun,
} from '#domain/nurture/enrollment';

const ids = (signal: Parameters<typeof candidatesFor>[0]) =>
  candidatesFor(signal, settings).map((c) => c.sequence.id);

describe('nurture: which sequences a bus event starts', () => {
  it('given a whitepaper capture, then the form’s sequence', () => {
    expect(ids({ kind: 'captured', eventId: 'e', leadId: 'l', formId: 'whitepaper' })).toEqual([
      'whitepaper-nurture',
    ]);
  });

  it('given a whitepaper capture, then the sequences whose entry names the form', () => {
    expect(ids({ kind: 'captured', eventId: 'e', leadId: 'l', formId: 'whitepaper' })).toEqual([
      'whitepaper-nurture',
    ]);
  });

  it('given a contact capture (inquiry fast lane), then only the contact form’s own follow-up', () => {
    expect(ids({ kind: 'captured', eventId: 'e', leadId: 'l', formId: 'contact' })).toEqual([
      'inquiry-followup',
    ]);
  });

  it('given an unknown form, then none', () => {
    expect(ids({ kind: 'captured', eventId: 'e', leadId: 'l', formId: 'nope' })).toEqual([]);
  });

  it('given a drop to cold, then the re-engagement sequence; warm starts none', () => {
    expect(ids({ kind: 'temperature', eventId: 'e', leadId: 'l', to: 'cold' })).toEqual(['cold-reengage']);
    expect(ids({ kind: 'temperature', eventId: 'e', leadId: 'l', to: 'warm' })).toEqual([]);
  });

  it('given a recycle, then the named sequence starting at nurtureAt', () => {
    const [candidate] = candidatesFor(
      {
        kind: 'recycled',
        eventId: 'e',
        leadId: 'l',
        sequenceId: 'recycle-nurture',
        nurtureAt: 1_800_000_000_000,
      },
      settings,
    );
    expect(candidate?.sequence.id).toBe('recycle-nurture');
    expect(candidate?.startAt).toBe(1_800_000_000_000);
  });
});

describe('nurture: the runs a lead that turns hot leaves', () => {
  const sequences = [
    { id: 'nurture', exit: ['became_hot', 'reached_sal'] },
    { id: 'onboarding', exit: ['reached_sal'] },
  ];
  const run = (sequenceId: string, over: Partial<EnrollmentRecord> = {}) => ({
    sequenceId,
    run: 1,
    status: 'active' as const,
    enrolledAt: 1_000,
    triggerEventId: 'capture-1',
    ...over,
  });
  const hot = {
    kind: 'temperature' as const,
    eventId: 'hot-1',
    leadId: 'l',
    to: 'hot' as const,
    occurredAt: 5_000,
  };

  it('given active runs, when the lead turns hot, then those of sequences exiting on became_hot end', () => {
    expect(runsEndedBy(hot, [run('nurture', { run: 2 }), run('onboarding')], sequences)).toEqual([
      { sequenceId: 'nurture', run: 2 },
    ]);
  });

  it('given a run already ended, or one written after the lead turned hot, then it is left alone', () => {
    expect(runsEndedBy(hot, [run('nurture', { status: 'exited' })], sequences)).toEqual([]);
    expect(runsEndedBy(hot, [run('nurture', { enrolledAt: 6_000 })], sequences)).toEqual([]);
    expect(runsEndedBy(hot, [run('nurture', { createdAt: 6_000, enrolledAt: 9_000 })], sequences)).toEqual(
      [],
    );
  });

  it('given a run written before the lead turned hot that starts later (a recycle), then it ends', () => {
    expect(runsEndedBy(hot, [run('nurture', { createdAt: 2_000, enrolledAt: 90_000 })], sequences)).toEqual([
      { sequenceId: 'nurture', run: 1 },
    ]);
  });

  it('given the run this very event started (a redelivery), then it is kept', () => {
    expect(runsEndedBy(hot, [run('nurture', { triggerEventId: 'hot-1' })], sequences)).toEqual([]);
  });

  it('given a change to warm or cold, or a capture, then no run ends', () => {
    const runs = [run('nurture')];
    expect(runsEndedBy({ ...hot, to: 'warm' }, runs, sequences)).toEqual([]);
    expect(runsEndedBy({ ...hot, to: 'cold' }, runs, sequences)).toEqual([]);
    expect(
      runsEndedBy({ kind: 'captured', eventId: 'e', leadId: 'l', formId: 'f' }, runs, sequences),
    ).toEqual([]);
  });

  it('given an event without its time, then every active run of such a sequence ends', () => {
    const { occurredAt: _, ...undated } = hot;
    expect(runsEndedBy(undated, [run('nurture', { enrolledAt: 9_999 })], sequences)).toEqual([
      { sequenceId: 'nurture', run: 1 },
    ]);
  });
});

describe('nurture: the triggers an enrollment remembers', () => {
  /** The enrollment after `events` each started a run, in order. */
  const afterRuns = (events: string[]) =>
    events.reduce<Pick<EnrollmentRecord, 'triggerEventId' | 'earlierTriggers'> | undefined>(
      (existing, eventId) => {
        const earlierTriggers = earlierTriggersAfter(existing);
        return { triggerEventId: eventId, ...(earlierTriggers ? { earlierTriggers } : {}) };
      },
      undefined,
    );

  it('given a first run, then it remembers no earlier trigger', () => {
    // Arrange
    const first = afterRuns(['e1']);

    // Act / Assert
    expect(first).toEqual({ triggerEventId: 'e1' });
    expect(startedEarlierRun(first, 'e1')).toBe(false); // the current run's trigger is `triggerEventId`
    expect(startedEarlierRun(undefined, 'e1')).toBe(false);
  });

  it('given E1 then E2 started runs, when E1 comes back, then it started an earlier run; a new event did not', () => {
    // Arrange
    const second = afterRuns(['e1', 'e2']);

    // Act / Assert
    expect(startedEarlierRun(second, 'e1')).toBe(true);
    expect(startedEarlierRun(second, 'e3')).toBe(false);
    expect(second?.earlierTriggers).toEqual([eventHash('e1')]); // a short hash, not the id
  });

  it('given more runs than it remembers, then the last triggers are kept and the oldest forgotten', () => {
    // Arrange
    const events = Array.from({ length: REMEMBERED_TRIGGERS + 2 }, (_, i) => `event-${i}`);

    // Act
    const latest = afterRuns(events);

    // Assert: the current trigger and the REMEMBERED_TRIGGERS - 1 before it.
    expect(latest?.earlierTriggers).toHaveLength(REMEMBERED_TRIGGERS - 1);
    const remembered = events.filter((e) => startedEarlierRun(latest, e) || latest?.triggerEventId === e);
    expect(remembered).toEqual(events.slice(-REMEMBERED_TRIGGERS));
  });
});

describe('nurture: candidates from a catalog', () => {
  const catalog = {
    forms: [{ id: 'f', sequenceIds: ['listed'] }],
    sequences: [
      { id: 'listed', reentry: 'never' as const, entry: { kind: 'recycled' as const } },
      { id: 'by-entry', reentry: 'always' as const, entry: { kind: 'form' as const, formIds: ['f'] } },
      { id: 'other', reentry: 'never' as const, entry: { kind: 'form' as const, formIds: ['g'] } },
    ],
  };

  it('given a form that lists a sequence, then its policy is made to match the form', () => {
    const found = candidatesFor({ kind: 'captured', eventId: 'e', leadId: 'l', formId: 'f' }, catalog);
    expect(found.map((c) => c.sequence.id)).toEqual(['listed', 'by-entry']);
    expect(found[0]?.policy).toEqual({ reentry: 'never', entry: { kind: 'form', formIds: ['f'] } });
    expect(found[0]?.trigger).toEqual({ kind: 'form', formId: 'f' });
  });

  it('given a recycle naming an unknown sequence, then none', () => {
    expect(
      candidatesFor(
        { kind: 'recycled', eventId: 'e', leadId: 'l', sequenceId: 'nope', nurtureAt: 1 },
        catalog,
      ),
    ).toEqual([]);
  });
});

const lead = (
  consent: Lead['profile']['consent'],
  marketing: Lead['profile']['marketing'] = { transientBounces: 0 },
) =>
  ({
    profile: { leadId: 'l', consent, marketing, timeZone: 'Asia/Tokyo' },
    state: { stage: 'lead', temperature: 'warm', stageHistory: [] },
  }) as unknown as Lead;
const run = {
  opened: new Set(['m1']),
  clicked: new Set<string>(),
  enrolledAt: 1000,
} as unknown as EnrollmentRecord;

describe('nurture: the lead as the planner sees it', () => {
  it('given a double opt-in not yet confirmed, then no consent yet, pending until the link expires', () => {
    const snapshot = snapshotOf(
      lead({ purpose: 'marketing_email', textVersion: 'v', formId: 'webinar', at: 1000, doubleOptIn: true }),
      run,
    );
    expect(snapshot).toMatchObject({
      marketingConsent: false,
      consentPendingUntil: 1000 + CONFIRM_TOKEN_TTL_MS,
    });
    expect(snapshot.engagement).toEqual({ opened: ['m1'], clicked: [] });
  });

  it('given a confirmed double opt-in, then consent and nothing pending', () => {
    const snapshot = snapshotOf(
      lead({
        purpose: 'm',
        textVersion: 'v',
        formId: 'webinar',
        at: 1000,
        doubleOptIn: true,
        confirmedAt: 2000,
      }),
      run,
    );
    expect(snapshot.marketingConsent).toBe(true);
    expect(snapshot.consentPendingUntil).toBeUndefined();
  });

  it('given no consent at all, then no consent and nothing to wait for', () => {
    const snapshot = snapshotOf(lead(undefined), run);
    expect(snapshot).toMatchObject({ marketingConsent: false });
    expect(snapshot.consentPendingUntil).toBeUndefined();
  });

  it('given an unsubscribed lead, then unsubscribed (the planner exits)', () => {
    const snapshot = snapshotOf(
      lead(
        { purpose: 'm', textVersion: 'v', formId: 'f', at: 1, doubleOptIn: false },
        {
          transientBounces: 0,
          unsubscribedAt: 5,
        },
      ),
      run,
    );
    expect(snapshot.unsubscribed).toBe(true);
  });

  it('given stage moves before and after the run began, then only those since count as entered', () => {
    const base = lead(undefined);
    const moved = {
      ...base,
      state: {
        ...base.state,
        stage: 'recycled',
        stageHistory: [
          { from: 'lead', to: 'sal', at: 500, reason: 'accept' },
          { from: 'sal', to: 'recycled', at: 900, reason: 'recycle' },
          { from: 'recycled', to: 'mql', at: 1000, reason: 'score' },
          { from: 'mql', to: 'sal', at: 1500, reason: 'accept' },
          { from: 'sal', to: 'recycled', at: 2000, reason: 'recycle' },
        ],
      },
    } as Lead;
    expect(snapshotOf(moved, run).stagesEntered).toEqual(['mql', 'sal', 'recycled']);
    expect(snapshotOf(base, run).stagesEntered).toBeUndefined();
  });

  it('given a hand-off open now, or closed after the run began, then handed off; closed before the run began (the recycle that started it) or none, then not', () => {
    const withHandoff = (handoff: Record<string, unknown> | undefined) => {
      const base = lead(undefined);
      return { ...base, state: { ...base.state, handoff } } as unknown as Lead;
    };
    expect(snapshotOf(withHandoff({ n: 1, startedAt: 500 }), run).handedOff).toBe(true);
    expect(snapshotOf(withHandoff({ n: 1, startedAt: 1200, closedAt: 1500 }), run).handedOff).toBe(true);
    expect(snapshotOf(withHandoff({ n: 1, startedAt: 500, closedAt: 1000 }), run).handedOff).toBe(false);
    expect(snapshotOf(withHandoff(undefined), run).handedOff).toBe(false);
  });
});

describe('nurture: a run that would only find its exit does not start', () => {
  const consent = {
    purpose: 'marketing_email',
    textVersion: 'v',
    formId: 'whitepaper',
    at: 1,
    doubleOptIn: false,
  };
  const at = (stage: string, handoff?: Record<string, unknown>, history: unknown[] = []) => {
    const base = lead(consent);
    return { ...base, state: { ...base.state, stage, stageHistory: history, handoff } } as unknown as Lead;
  };
  const sequence = (id: string) => {
    const found = settings.sequences.find((q) => q.id === id);
    if (!found) throw new Error(`no sequence ${id}`);
    return found;
  };
  const reengage = sequence('cold-reengage');

  it('given a customer, a lead in SQL or TQL, or a disqualified lead going cold, then re-engagement is refused with the exit it meets', () => {
    expect(exitMetAtStart(reengage, at('customer'), 5000, 5000)).toBe('reached_sal');
    expect(exitMetAtStart(reengage, at('sql'), 5000, 5000)).toBe('reached_sal');
    expect(exitMetAtStart(reengage, at('tql'), 5000, 5000)).toBe('reached_sal');
    expect(exitMetAtStart(reengage, at('disqualified'), 5000, 5000)).toBe('disqualified');
  });

  it('given an open hand-off, then a sequence that exits on hand-off is refused; one closed before the run starts (recycled) is not', () => {
    expect(exitMetAtStart(reengage, at('mql', { n: 1, startedAt: 100 }), 5000, 5000)).toBe('handed_off');
    expect(
      exitMetAtStart(reengage, at('recycled', { n: 1, startedAt: 100, closedAt: 4000 }), 5000, 5000),
    ).toBe(undefined);
    // The inquiry follow-up does not exit on hand-off: the demo request's own mail still starts.
    expect(
      exitMetAtStart(sequence('inquiry-followup'), at('mql', { n: 1, startedAt: 100 }), 5000, 5000),
    ).toBe(undefined);
  });

  it('given a lead recycled after reaching SAL, when recycle-nurture starts later, then it starts: only stages entered since the start count', () => {
    const recycled = at('recycled', { n: 1, startedAt: 100, closedAt: 2000 }, [
      { from: 'mql', to: 'sal', at: 1000, reason: 'accept' },
      { from: 'sal', to: 'recycled', at: 2000, reason: 'recycle' },
    ]);
    const later = 2000 + 90 * 86_400_000;
    expect(exitMetAtStart(sequence('recycle-nurture'), recycled, later, 2000)).toBe(undefined);
    // Even while still with sales or hot now: the first step's check decides, 90 days on.
    expect(
      exitMetAtStart(sequence('recycle-nurture'), at('sal', { n: 1, startedAt: 100 }), later, 2000),
    ).toBe(undefined);
  });

  it('given a hot lead, then a sequence that exits on became_hot still starts: decay may cool the lead before the first step, whose own check decides', () => {
    const base = at('mql');
    const hot = { ...base, state: { ...base.state, temperature: 'hot' } } as unknown as Lead;
    expect(exitMetAtStart(sequence('whitepaper-nurture'), hot, 5000, 5000)).toBe(undefined);
  });

  it('given a double opt-in not yet confirmed, then the run starts (its first step waits for the confirmation); an unsubscribed lead is refused', () => {
    expect(exitMetAtStart(reengage, lead({ ...consent, doubleOptIn: true, at: 4000 }), 5000, 5000)).toBe(
      undefined,
    );
    expect(
      exitMetAtStart(reengage, lead(consent, { transientBounces: 0, unsubscribedAt: 3 }), 5000, 5000),
    ).toBe('unsubscribed');
  });
});

describe('nurture: an inquiry follow-up once per hand-off', () => {
  it('given a contact-form capture (fast lane), then its sequence runs once per hand-off; a whitepaper capture has no such limit', () => {
    const contact = candidatesFor(
      { kind: 'captured', eventId: 'e', leadId: 'l', formId: 'contact' },
      settings,
    );
    const whitepaper = candidatesFor(
      { kind: 'captured', eventId: 'e', leadId: 'l', formId: 'whitepaper' },
      settings,
    );
    expect(contact.map((c) => c.oncePerHandoff)).toEqual([true]);
    expect(whitepaper.map((c) => c.oncePerHandoff)).toEqual([undefined]);
  });

  it.each<
    [string, Parameters<typeof ranForOpenHandoff>[0], Parameters<typeof ranForOpenHandoff>[1], boolean]
  >([
    ['ended while the hand-off is open', { status: 'completed', endedAt: 2000 }, { startedAt: 1000 }, true],
    [
      'ended before a reassignment restarted the hand-off',
      { status: 'completed', endedAt: 2000 },
      { startedAt: 3000 },
      false,
    ],
    [
      'ended, the hand-off since closed',
      { status: 'completed', endedAt: 2000 },
      { startedAt: 1000, closedAt: 2500 },
      false,
    ],
    ['ended, no hand-off', { status: 'exited', endedAt: 2000 }, undefined, false],
    ['still active (the re-entry policy decides)', { status: 'active' }, { startedAt: 1000 }, false],
    ['no run yet', undefined, { startedAt: 1000 }, false],
  ])(
    'given a last run %s, then whether it ran for the open hand-off is as listed',
    (_label, existing, handoff, expected) => {
      expect(ranForOpenHandoff(existing, handoff)).toBe(expected);
    },
  );
});
