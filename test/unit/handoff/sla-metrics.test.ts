import { beforeEach, describe, expect, it, vi } from 'vitest';
import { buildDomainEvent } from '#domain/lead/events';

const countMetric = vi.fn();
vi.mock('#adapters/metrics', () => ({ countMetric }));

const owner = { ownerId: 'suzuki', name: '鈴木 花子', email: 'h.suzuki@example.co.jp', team: 'smb' };
const breach = (clock: 'accept' | 'first_contact', action: 'notify' | 'reassign') =>
  buildDomainEvent('Lead SLA Breached', {
    version: 1,
    eventId: `L1:${clock}`,
    occurredAt: '2026-12-07T05:00:00.000Z',
    leadId: 'L1',
    handoffNumber: 1,
    clock,
    dueAt: '2026-12-07T04:00:00.000Z',
    owner,
    escalation: { action },
    reassignments: 0,
  });

describe('the LeadSlaBreached metric of breaches a sales action or activity publishes', () => {
  beforeEach(() => countMetric.mockClear());

  it('given a write that publishes the holder’s breaches (a reassignment or a close after an unseen deadline), when counted, then the dashboard metric counts each, as the SLA timer does', async () => {
    // Arrange
    const { countSlaBreaches } = await import('#app/sla-counting');
    const other = buildDomainEvent('Lead Recycled', {
      version: 1,
      eventId: 'L1:recycle:x',
      occurredAt: '2026-12-07T05:00:00.000Z',
      leadId: 'L1',
      reason: '予算',
      nurtureAt: '2027-01-06T05:00:00.000Z',
      sequenceId: 'recycle-nurture',
    });

    // Act
    countSlaBreaches([breach('accept', 'reassign'), breach('first_contact', 'notify'), other]);

    // Assert
    expect(countMetric.mock.calls).toEqual([
      ['LeadSlaBreached', { action: 'reassign', clock: 'accept' }],
      ['LeadSlaBreached', { action: 'notify', clock: 'first_contact' }],
    ]);
  });
});
