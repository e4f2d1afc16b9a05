import { describe, expect, it } from 'vitest';
import { followUpAfter, followUpTimeProblem, openFollowUp, ownerNextDue } from '#domain/handoff/follow-up';
import type { HandoffState } from '#domain/handoff/sla';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-07T06:00:00Z'); // 15:00 in Tokyo
const iso = (at: number) => new Date(at).toISOString();
const handoff = (overrides: Partial<HandoffState> = {}): HandoffState => ({
  n: 1,
  owner: { ownerId: 'sato', name: '佐藤 健', email: 'k.sato@example.co.jp', team: 'inside-sales' },
  rule: null,
  startedAt: NOW - 2 * HOUR,
  dueAt: NOW - HOUR,
  acceptedAt: NOW - 90 * 60_000,
  reassignments: 0,
  previousOwnerIds: [],
  ...overrides,
});
const call = (outcome: string, extra: { followUpAt?: string; occurredAt?: string; type?: string } = {}) => ({
  type: extra.type ?? 'call',
  outcome,
  by: 'sato',
  occurredAt: extra.occurredAt ?? iso(NOW),
  ...(extra.followUpAt ? { followUpAt: extra.followUpAt } : {}),
});

describe('follow-ups planned with an activity', () => {
  it('given "no answer, call again tomorrow at 10", then the open hand-off carries it, by the rep, planned now', () => {
    const tomorrow = Date.parse('2026-12-08T01:00:00Z');
    const after = followUpAfter(handoff(), call('no_answer', { followUpAt: iso(tomorrow) }), NOW);
    expect(after).toEqual({
      ok: true,
      handoff: { ...handoff(), followUp: { at: tomorrow, by: 'sato', setAt: NOW } },
    });
    expect(after.ok && openFollowUp(after.handoff)).toEqual({ at: tomorrow, by: 'sato', setAt: NOW });
  });

  it('given a planned follow-up, when the next call is made without planning another, then it is done; a note leaves it', () => {
    const planned = handoff({ followUp: { at: NOW + HOUR, by: 'sato', setAt: NOW - HOUR } });
    const done = followUpAfter(planned, call('connected'), NOW);
    expect(done.ok && done.handoff?.followUp).toBeUndefined();
    const note = followUpAfter(planned, call('connected', { type: 'note' }), NOW);
    expect(note.ok && note.handoff).toBe(planned);
    // A wrong number is no contact attempt: the follow-up stands.
    expect(followUpAfter(planned, call('wrong_number'), NOW)).toEqual({ ok: true, handoff: planned });
  });

  it('given a call entered late (made before the follow-up was planned), then the follow-up stands', () => {
    const planned = handoff({ followUp: { at: NOW + HOUR, by: 'sato', setAt: NOW - HOUR } });
    expect(followUpAfter(planned, call('connected', { occurredAt: iso(NOW - 2 * HOUR) }), NOW)).toEqual({
      ok: true,
      handoff: planned,
    });
  });

  it('given a call that plans the next one, then it replaces the standing one', () => {
    const planned = handoff({ followUp: { at: NOW + HOUR, by: 'sato', setAt: NOW - HOUR } });
    const after = followUpAfter(planned, call('voicemail', { followUpAt: iso(NOW + 24 * HOUR) }), NOW);
    expect(after.ok && after.handoff?.followUp).toEqual({ at: NOW + 24 * HOUR, by: 'sato', setAt: NOW });
  });

  it('given no open hand-off, then planning is refused with its code, and a closed hand-off shows none', () => {
    const refused = followUpAfter(undefined, call('no_answer', { followUpAt: iso(NOW + HOUR) }), NOW);
    expect(refused).toMatchObject({ ok: false, field: 'followUpAt', code: 'no_open_handoff' });
    const closed = handoff({
      closedAt: NOW - 1,
      followUp: { at: NOW + HOUR, by: 'sato', setAt: NOW - HOUR },
    });
    expect(followUpAfter(closed, call('no_answer', { followUpAt: iso(NOW + HOUR) }), NOW).ok).toBe(false);
    expect(openFollowUp(closed)).toBeUndefined();
    expect(openFollowUp(undefined)).toBeUndefined();
  });

  it('given a time not after the activity or more than a year ahead, then the time is refused whatever the lead', () => {
    expect(followUpTimeProblem(call('no_answer', { followUpAt: iso(NOW) }), NOW)?.code).toBe(
      'follow_up_not_after_activity',
    );
    expect(
      followUpTimeProblem(call('no_answer', { followUpAt: iso(NOW + 367 * 24 * HOUR) }), NOW)?.code,
    ).toBe('follow_up_too_far');
    expect(
      followUpTimeProblem(call('no_answer', { followUpAt: iso(NOW + 365 * 24 * HOUR) }), NOW),
    ).toBeUndefined();
    expect(followUpTimeProblem(call('no_answer'), NOW)).toBeUndefined();
  });
});

describe('what the owner has to do next', () => {
  it('given the clocks and a plan, then the nearest of what is still open, passed or not; nothing once all is met or the hand-off closed', () => {
    const met = { acceptedAt: NOW - HOUR, firstContactDueAt: NOW + HOUR, firstContactAt: NOW - HOUR };
    expect(ownerNextDue(undefined)).toBeUndefined();
    expect(ownerNextDue(handoff({ acceptedAt: undefined, dueAt: NOW + HOUR }))).toBe(NOW + HOUR);
    expect(ownerNextDue(handoff({ firstContactDueAt: NOW - HOUR }))).toBe(NOW - HOUR);
    expect(ownerNextDue(handoff(met))).toBeUndefined();
    const plan = { at: NOW + 30 * 60_000, by: 'sato', setAt: NOW };
    expect(ownerNextDue(handoff({ ...met, followUp: plan }))).toBe(plan.at);
    expect(ownerNextDue(handoff({ firstContactDueAt: NOW + 10 * 60_000, followUp: plan }))).toBe(
      NOW + 10 * 60_000,
    );
    expect(
      ownerNextDue(handoff({ firstContactDueAt: NOW + HOUR, followUp: plan, closedAt: NOW })),
    ).toBeUndefined();
  });
});
