import { describe, expect, it } from 'vitest';
import { type HandoffConfig, handoffConfigSchema } from '#config/handoff';
import { toOwnerRef } from '#domain/handoff/assignment';
import {
  type HandoffState,
  onSlaTimer,
  openDeadline,
  recordFirstContact,
  reportPeriod,
  type SlaPolicy,
  slaCompliance,
  slaCountersOnAccept,
  slaCountersOnBreach,
  slaDueAt,
  slaStatus,
} from '#domain/handoff/sla';
import { DEFAULT_WINDOW } from '#domain/nurture/calendar';
import { handoff as demoHandoff } from '../../../config/handoff.ts';

const HOUR = 3_600_000;
/** Wall-clock time in Tokyo (UTC+9, no DST) as epoch ms. */
const jst = (y: number, m: number, d: number, h: number, min = 0): number =>
  Date.UTC(y, m - 1, d, h - 9, min);

const demo: HandoffConfig = handoffConfigSchema.parse(demoHandoff);
const plain: SlaPolicy = { ...demo.sla, hours: 24, businessHours: false };
const business: SlaPolicy = { ...demo.sla, hours: 24, businessHours: true, window: DEFAULT_WINDOW };

const sato = demo.owners.find((o) => o.ownerId === 'sato');
const ito = demo.owners.find((o) => o.ownerId === 'ito');
if (!sato || !ito) throw new Error('demo config lost its enterprise owners');

const START = jst(2025, 5, 12, 10); // Monday
const openHandoff = (overrides: Partial<HandoffState> = {}): HandoffState => ({
  n: 1,
  owner: toOwnerRef(sato),
  rule: 'enterprise-size',
  startedAt: START,
  dueAt: START + 24 * HOUR,
  reassignments: 0,
  previousOwnerIds: [],
  ...overrides,
});
const enterpriseLead = { leadId: 'lead-1', attributes: { employees: '5000', prefecture: '東京都' } };

describe('openDeadline: what the lead list shows beside an owned lead', () => {
  const FC = START + 8 * HOUR;
  it('given a hand-off not yet accepted, then the accept deadline, passed or not', () => {
    expect(openDeadline(openHandoff())).toEqual({ clock: 'accept', at: START + 24 * HOUR });
    expect(
      openDeadline(openHandoff({ breachedAt: START + 25 * HOUR, lastBreachedDueAt: START + 24 * HOUR })),
    ).toEqual({
      clock: 'accept',
      at: START + 24 * HOUR,
    });
  });
  it('given both clocks pending, then the earlier; once accepted, the first contact; once contacted, none', () => {
    expect(openDeadline(openHandoff({ firstContactDueAt: FC }))).toEqual({ clock: 'first_contact', at: FC });
    expect(openDeadline(openHandoff({ firstContactDueAt: START + 30 * HOUR }))?.clock).toBe('accept');
    expect(openDeadline(openHandoff({ firstContactDueAt: FC, acceptedAt: START + HOUR }))).toEqual({
      clock: 'first_contact',
      at: FC,
    });
    expect(
      openDeadline(
        openHandoff({ firstContactDueAt: FC, acceptedAt: START + HOUR, firstContactAt: START + 2 * HOUR }),
      ),
    ).toBeUndefined();
  });
  it('given no hand-off, an accepted one without a first-contact clock, or a closed one, then none', () => {
    expect(openDeadline(undefined)).toBeUndefined();
    expect(openDeadline(openHandoff({ acceptedAt: START + HOUR }))).toBeUndefined();
    expect(openDeadline(openHandoff({ firstContactDueAt: FC, closedAt: START + HOUR }))).toBeUndefined();
  });
});

describe('slaDueAt', () => {
  it('given the default 24 wall-clock hours, when a lead is handed off on Friday 16:00, then it is due Saturday 16:00', () => {
    expect(slaDueAt(jst(2025, 5, 2, 16), plain)).toBe(jst(2025, 5, 3, 16));
  });

  it('given business hours, when handed off Friday 16:00 before Golden Week, then the weekend and the holidays 5/5–5/6 do not count', () => {
    // Arrange: 2h Fri 5/2, closed Sat 5/3 (憲法記念日) – Tue 5/6 (振替休日), 9h Wed, 9h Thu, 4h Fri
    const handedOff = jst(2025, 5, 2, 16);

    // Act
    const due = slaDueAt(handedOff, business);

    // Assert
    expect(due).toBe(jst(2025, 5, 9, 13));
  });

  it('given business hours that ignore Japanese holidays, when handed off Friday 16:00, then Monday and Tuesday count', () => {
    const due = slaDueAt(jst(2025, 5, 2, 16), {
      ...business,
      window: { ...DEFAULT_WINDOW, skipJapaneseHolidays: false },
    });
    expect(due).toBe(jst(2025, 5, 7, 13));
  });

  it('given business hours, when handed off on a Saturday night, then the clock starts Monday 09:00', () => {
    expect(slaDueAt(jst(2025, 5, 17, 22), { ...business, hours: 4 })).toBe(jst(2025, 5, 19, 13));
  });
});

describe('onSlaTimer', () => {
  it('given the deadline has not passed, when the timer fires, then nothing is due', () => {
    const outcome = onSlaTimer(enterpriseLead, openHandoff(), plain, demo, {}, START + 24 * HOUR);
    expect(outcome).toEqual({ due: false, reason: 'not_yet', nextCheckAt: openHandoff().dueAt });
  });

  it('given sales accepted in time, when the timer fires, then nothing is escalated', () => {
    const outcome = onSlaTimer(
      enterpriseLead,
      openHandoff({ acceptedAt: START + HOUR }),
      plain,
      demo,
      {},
      START + 25 * HOUR,
    );
    expect(outcome).toEqual({ due: false, reason: 'accepted' });
  });

  it('given a hot lead, when sales does not accept within the SLA, then an escalation is published and the lead is reassigned to the next owner', () => {
    // Arrange
    const now = START + 24 * HOUR + 60_000;

    // Act
    const outcome = onSlaTimer(enterpriseLead, openHandoff(), plain, demo, { sato: START }, now);

    // Assert
    if (!outcome.due) throw new Error('expected a breach');
    expect(outcome.action).toBe('reassign');
    expect(outcome.reassignTo).toMatchObject({ ownerId: 'ito', name: '伊藤 美咲' });
    expect(outcome.events.map((e) => [e.detailType, e.detail.eventId])).toEqual([
      ['Lead SLA Breached', 'lead-1:sla:1:0'],
      ['Lead Assigned', 'lead-1:assign:1:1'],
    ]);
    expect(outcome.events[0]?.detail).toMatchObject({
      dueAt: new Date(START + 24 * HOUR).toISOString(),
      owner: { ownerId: 'sato' },
      escalation: { action: 'reassign', reassignTo: { ownerId: 'ito' } },
    });
    expect(outcome.events[1]?.detail).toMatchObject({
      reason: 'sla_reassign',
      previousOwner: { ownerId: 'sato' },
    });
    expect(outcome.handoff).toMatchObject({
      owner: { ownerId: 'ito' },
      startedAt: now,
      dueAt: now + 24 * HOUR,
      breachedAt: now,
      reassignments: 1,
      previousOwnerIds: ['sato'],
    });
    expect(outcome.nextCheckAt).toBe(now + 24 * HOUR);
    expect(outcome.roundRobinState).toEqual({ sato: START, ito: now });
  });

  it('given the reassignment limit is used up, when the new owner also misses the SLA, then the breach only notifies', () => {
    // Arrange
    const first = onSlaTimer(enterpriseLead, openHandoff(), plain, demo, {}, START + 25 * HOUR);
    if (!first.due) throw new Error('expected a breach');
    const later = first.handoff.dueAt + 1;

    // Act
    const second = onSlaTimer(enterpriseLead, first.handoff, plain, demo, first.roundRobinState, later);

    // Assert
    expect(second).toMatchObject({
      due: true,
      action: 'notify',
      handoff: { owner: { ownerId: 'ito' }, reassignments: 1 },
    });
    expect(second.due && second.events.map((e) => e.detail.eventId)).toEqual(['lead-1:sla:1:1']);
    expect(second.due && second.nextCheckAt).toBeUndefined();
  });

  it('given a breach was already handled, when the same timer fires again, then nothing happens twice', () => {
    const first = onSlaTimer(
      enterpriseLead,
      openHandoff(),
      { ...plain, reassignOnBreach: false },
      demo,
      {},
      START + 25 * HOUR,
    );
    if (!first.due) throw new Error('expected a breach');
    const again = onSlaTimer(enterpriseLead, first.handoff, plain, demo, {}, START + 26 * HOUR);
    expect(again).toEqual({ due: false, reason: 'already_handled' });
  });

  it('given reassignment is off, when the SLA is breached, then an escalation is published with action notify and the owner stays', () => {
    const outcome = onSlaTimer(
      enterpriseLead,
      openHandoff(),
      { ...plain, reassignOnBreach: false },
      demo,
      {},
      START + 25 * HOUR,
    );
    expect(outcome).toMatchObject({ due: true, action: 'notify', handoff: { owner: { ownerId: 'sato' } } });
    expect(outcome.due && outcome.events.map((e) => e.detailType)).toEqual(['Lead SLA Breached']);
  });

  it('given nobody but the current owner is available, when the SLA is breached, then it notifies instead of reassigning', () => {
    const config = { ...demo, owners: demo.owners.map((o) => ({ ...o, available: o.ownerId === 'sato' })) };
    const outcome = onSlaTimer(enterpriseLead, openHandoff(), plain, config, {}, START + 25 * HOUR);
    expect(outcome).toMatchObject({ due: true, action: 'notify' });
  });
});

describe('onSlaTimer: who gets a reassigned hand-off', () => {
  it('given an inside-sales hand-off of a lead the assignment rules would give to field sales, when its SLA is breached, then the next inside-sales owner gets it, not a field rep', () => {
    // Arrange: a hot lead routed to inside sales (route team), 300-999 employees (the rules: SMB field sales)
    const kobayashi = demo.owners.find((o) => o.ownerId === 'kobayashi');
    if (!kobayashi) throw new Error('demo config lost its inside-sales owners');
    const lead = { leadId: 'lead-2', attributes: { employees: '300-999' } };
    const handoff = openHandoff({ owner: toOwnerRef(kobayashi), rule: null, trigger: 'hot' });

    // Act
    const outcome = onSlaTimer(lead, handoff, plain, demo, { kobayashi: START }, START + 25 * HOUR);

    // Assert
    expect(outcome).toMatchObject({ due: true, action: 'reassign' });
    expect(outcome.due && outcome.reassignTo).toMatchObject({ ownerId: 'nakamura', team: 'inside-sales' });
  });
});

describe('SLA compliance', () => {
  it('given hand-offs met, breached, pending and closed early, when counted, then each lands in its bucket', () => {
    // Arrange
    const due = START + 24 * HOUR;
    const records = [
      { dueAt: due, acceptedAt: due }, // met, right at the deadline
      { dueAt: due, acceptedAt: START + HOUR }, // met
      { dueAt: due, acceptedAt: due + 1 }, // breached, accepted late
      { dueAt: due + 48 * HOUR, acceptedAt: due, breachedAt: START + 25 * HOUR }, // breached before a reassignment
      { dueAt: due - 2 * HOUR }, // breached, never accepted
      { dueAt: due + HOUR }, // pending
      { dueAt: due + HOUR, closedAt: START + 2 * HOUR }, // closed (disqualified) in time
    ];

    // Act
    const report = slaCompliance(records, due);

    // Assert
    expect(report).toEqual({ met: 2, breached: 3, pending: 1, closed: 1, rate: 2 / 5 });
  });

  it('given nothing decided yet, when counted, then the rate is null rather than 0 or 100%', () => {
    expect(slaCompliance([{ dueAt: START + HOUR }], START).rate).toBeNull();
  });

  it('given an open hand-off, when its deadline passes, then its status turns from pending to breached', () => {
    const h = openHandoff();
    expect([slaStatus(h, h.dueAt), slaStatus(h, h.dueAt + 1)]).toEqual(['pending', 'breached']);
  });
});

describe('SLA counters', () => {
  it('given an instant late on the 31st UTC, when the period is read in Tokyo, then it is the next month', () => {
    expect(reportPeriod(Date.UTC(2025, 4, 31, 20), 'Asia/Tokyo')).toBe('2025-06');
    expect(reportPeriod(Date.UTC(2025, 4, 31, 20), 'UTC')).toBe('2025-05');
  });

  it("given a breach, then it counts a breach (and the reassignment); the next owner's own breach counts for them", () => {
    expect(slaCountersOnBreach(openHandoff(), false, ['accept'])).toEqual(['breached']);
    expect(slaCountersOnBreach(openHandoff(), true, ['accept'])).toEqual(['breached', 'reassigned']);
    // The first owner's breach was counted; the new owner let their own fresh deadline pass as well.
    const first = onSlaTimer(enterpriseLead, openHandoff(), plain, demo, {}, START + 25 * HOUR);
    if (!first.due) throw new Error('expected a breach');
    expect(slaCountersOnBreach(first.handoff, false, ['accept'])).toEqual(['breached']);
  });

  it('given an accept by the deadline, then the SLA is met; late and unseen, a breach; already breached, nothing', () => {
    const h = openHandoff();
    expect(slaCountersOnAccept(h, h.dueAt)).toEqual(['met']);
    expect(slaCountersOnAccept(h, h.dueAt + 1)).toEqual(['breached']);
    const seen = openHandoff({ breachedAt: h.dueAt + 1, lastBreachedDueAt: h.dueAt });
    expect(slaCountersOnAccept(seen, h.dueAt + 2)).toEqual([]);
  });
});

describe('SLA per owner across a reassignment', () => {
  // sato breached; the SLA timer gave the lead to ito with fresh clocks (24 h accept, and first contact)
  const breachAt = START + 25 * HOUR;
  const reassigned = () => {
    const withFirstContact = openHandoff({
      clocks: {
        accept: { hours: 24, businessHours: false },
        firstContact: { hours: 2, businessHours: false },
      },
      firstContactDueAt: START + 2 * HOUR,
    });
    const outcome = onSlaTimer(enterpriseLead, withFirstContact, plain, demo, {}, breachAt);
    if (!outcome.due || outcome.action !== 'reassign') throw new Error('expected a reassignment');
    return outcome.handoff;
  };

  it('given the first owner breached and the lead was reassigned, when the new owner accepts by their own deadline, then it is met for them; late and unseen, a breach for them', () => {
    const h = reassigned();
    expect(h.owner.ownerId).toBe('ito');
    expect(slaCountersOnAccept(h, h.dueAt)).toEqual(['met']);
    expect(slaCountersOnAccept(h, h.dueAt + 1)).toEqual(['breached']);
  });

  it('given the first owner breached the first-contact clock and the lead was reassigned, when the new owner calls by their own deadline, then the contact is within SLA and met; late and unseen, a breach', () => {
    const h = reassigned();
    const due = h.firstContactDueAt ?? Number.NaN;
    const call = (at: number) =>
      recordFirstContact('lead-1', h, { activityId: 'c', type: 'call', by: 'ito', occurredAt: at }, at);
    expect(call(due)).toMatchObject({
      counters: ['firstContactMet'],
      event: { detail: { withinSla: true } },
    });
    expect(call(due + 1)).toMatchObject({
      counters: ['firstContactBreached'],
      event: { detail: { withinSla: false } },
    });
  });
});
