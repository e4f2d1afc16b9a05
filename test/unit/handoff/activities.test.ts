import { describe, expect, it } from 'vitest';
import { activityAt, activityProblem, MAX_FUTURE_MS, salesActivitySchema } from '#domain/handoff/activities';

const NOW = Date.parse('2026-12-07T01:30:00Z');
const body = { activityId: 'call-1', type: 'call', outcome: 'connected', by: 'kobayashi' };

describe('sales activity: its time', () => {
  it('given a call without occurredAt, when parsed and timed, then it happened now (the server’s clock)', () => {
    const parsed = salesActivitySchema().parse(body);
    expect(activityAt(parsed, NOW).occurredAt).toBe('2026-12-07T01:30:00.000Z');
  });

  it('given a stated time, when timed, then it is kept as stated', () => {
    const parsed = salesActivitySchema().parse({ ...body, occurredAt: '2026-12-07T10:00:00+09:00' });
    expect(activityAt(parsed, NOW).occurredAt).toBe('2026-12-07T10:00:00+09:00');
  });

  it('given a time more than 5 minutes ahead, then occurredAt is refused; at 5 minutes it is not', () => {
    const at = (ms: number) =>
      activityAt(salesActivitySchema().parse({ ...body, occurredAt: new Date(ms).toISOString() }), NOW);
    expect(activityProblem(at(NOW + MAX_FUTURE_MS + 1000), NOW)?.field).toBe('occurredAt');
    expect(activityProblem(at(NOW + MAX_FUTURE_MS), NOW)).toBeUndefined();
  });

  it('given a time without an offset, then the schema refuses it', () => {
    expect(salesActivitySchema().safeParse({ ...body, occurredAt: '2026-12-07T10:00:00' }).success).toBe(
      false,
    );
  });
});
