import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { advanceClock, now } from '#adapters/clock';
import { emailKpiDay } from '#app/email-kpis';
import {
  type Accumulator,
  emptyRebuild,
  rebuildLead,
  rebuildPage,
  sentKeptBefore,
  writeRebuiltCounters,
} from '#app/report-rebuild';
import { createSweeper, TIMER_PROCESSORS } from '#app/sweep-due-timers';
import { settings } from '#config/settings';
import { EMAIL_DIMS, emailKind } from '#domain/reports/counting';
import { attachCapacityAccounting } from '#store/capacity';
import { dynamodb, tableName } from '#store/dynamodb';
import { getEnrollment } from '#store/enrollments';
import { keys } from '#store/keys';
import { putReportItems, readReportKinds } from '#store/report-counters';
import { batchWriteAll, consentingLeadItems, dueEnrollmentItem } from '../support/fixtures.ts';
import { inbox } from '../support/runtime.ts';
import { advanceIntoWindow } from './nurture-helpers.ts';

/**
 * Write units of a step e-mail, all-in (table and index writes, the sweep's own included), by AWS's billing
 * rules (`attachCapacityAccounting` on the product's client; unit counts are deterministic, not timing), and
 * the e-mail counters those sends left equal to what a rebuild recomputes from the stored facts.
 * Issue 16's target: at most 10 WRU per step e-mail.
 */

const meter = attachCapacityAccounting(dynamodb);
const sesUrl = () => inject('sesEndpoint');
const SEQUENCE = 'whitepaper-nurture';
const LEADS = 4;
const sweep = createSweeper({ step: TIMER_PROCESSORS.step }, { sendRatePerSecond: 10_000 });
const days = new Set<string>();

/** Sweep once, measured: write and read units per step done, and index writes per step. */
const measuredSweep = async (label: string) => {
  meter.reset();
  const report = await meter.measure(label, () => sweep({}));
  days.add(emailKpiDay(now()));
  const units = meter.byLabel()[label];
  const per = (n: number | undefined) => (n ?? 0) / report.done;
  return {
    report,
    write: per(units?.write),
    read: per(units?.read),
    indexes: Object.fromEntries(Object.entries(units?.indexes ?? {}).map(([k, v]) => [k, per(v)])),
  };
};

/** Move the clock to when every lead's next step is due (the planner put it inside the send window). */
const toNextSteps = async (leadIds: readonly string[]) => {
  const enrollments = await Promise.all(leadIds.map((id) => getEnrollment(id, SEQUENCE)));
  expect(enrollments.every((e) => e?.status === 'active')).toBe(true);
  const dueAt = Math.max(
    ...(await Promise.all(
      leadIds.map(async (id) => {
        const item = await dynamodb.send(
          new GetCommand({ TableName: tableName, Key: keys.enrollment(id, SEQUENCE), ConsistentRead: true }),
        );
        return Date.parse(String(item.Item?.dueAt));
      }),
    )),
  );
  advanceClock(dueAt + 60_000 - now());
};

describe('write units of a step e-mail', () => {
  const leadIds = Array.from({ length: LEADS }, () => randomUUID());
  const tag = randomBytes(4).toString('hex');
  const addressOf = (i: number) => `units-${tag}-${i}@example.co.jp`;

  it(`given ${LEADS} first steps due, when swept, then each mail costs at most 10 WRU all-in: no claim write, one state write, one record transaction`, async () => {
    // Arrange: inside the Tokyo window with time to spare.
    advanceIntoWindow();
    await batchWriteAll(
      dynamodb,
      tableName,
      leadIds.flatMap((leadId, i) => [
        ...consentingLeadItems(leadId, addressOf(i), now()),
        dueEnrollmentItem(leadId, SEQUENCE, now() - 1000),
      ]),
    );

    // Act
    const first = await measuredSweep('first step');

    // Assert: 1 (the reservation) + 9 (the record: timeline entry, enrollment, counter item, each ×2 in a
    // transaction; 1 timeline-index write; 2 due-index writes, the next step's due time).
    expect(first.report).toMatchObject({ done: LEADS, failed: 0 });
    for (let i = 0; i < LEADS; i++) expect(await inbox(sesUrl(), addressOf(i))).toHaveLength(1);
    expect(first.write).toBeLessThanOrEqual(10);
    expect(first.write).toBe(10);
    expect(first.indexes).toEqual({ timeline: 1, due: 2 });
  });

  it('given the middle and the last step of the sequence, when swept, then the middle one costs the same 10 WRU, and the last one 9: its mail line says the run completed (no line of its own), and the due index has one write fewer', async () => {
    // Act
    await toNextSteps(leadIds);
    const middle = await measuredSweep('middle step');
    await toNextSteps(leadIds);
    const last = await measuredSweep('last step');

    // Assert
    expect(middle.report).toMatchObject({ done: LEADS, failed: 0 });
    expect(middle.write).toBe(10);
    expect(last.report).toMatchObject({ done: LEADS, failed: 0 });
    expect(last.indexes).toEqual({ timeline: 1, due: 1 });
    expect(last.write).toBe(9);
    for (let i = 0; i < LEADS; i++) expect(await inbox(sesUrl(), addressOf(i))).toHaveLength(3);
    const { getTimeline } = await import('#store/leads');
    for (const leadId of leadIds) {
      expect((await getEnrollment(leadId, SEQUENCE))?.status).toBe('completed');
      const sent = (await getTimeline(leadId)).filter((e) => e.type === 'email_sent');
      expect(sent.map((e) => e.properties?.completesSequence ?? false)).toEqual([true, false, false]);
    }
  });

  it('given those sends, when the e-mail counters are recomputed from the stored facts, then they equal the live counters', async () => {
    // Arrange
    const kinds = EMAIL_DIMS.map(emailKind);
    const live = await readReportKinds(kinds, [...days]);

    // Act
    const rebuilt: Accumulator = {};
    for (const leadId of leadIds) await rebuildLead(rebuilt, leadId, { writeFacts: false });

    // Assert
    let sent = 0;
    for (const kind of kinds)
      for (const day of days) {
        const recomputed = rebuilt[`${kind}\u0000${day}`] ?? {};
        expect(recomputed, `${kind} ${day}`).toEqual(live.get(kind)?.get(day));
        if (kind === emailKind('none')) sent += recomputed['*|sent'] ?? 0;
      }
    expect(sent).toBe(3 * LEADS);
  });

  it('given those sends and an e-mail counter item of a day past the timeline retention, when every counter is rebuilt and written, then the recent e-mail counters equal the live ones and the old sent count is kept', async () => {
    // Arrange: a day whose step mails' timeline entries (and so their sent facts) have expired.
    const kinds = EMAIL_DIMS.map(emailKind);
    const live = await readReportKinds(kinds, [...days]);
    const oldDay = emailKpiDay(now() - (settings.app.retention.timelineDays + 30) * 86_400_000);
    expect(oldDay < sentKeptBefore(now())).toBe(true);
    await putReportItems([
      { shard: '07', period: oldDay, fields: { 'e:none/*|sent': 5, 'e:none/*|opened': 2 } },
    ]);

    // Act
    let state = emptyRebuild();
    while (!state.done) state = await rebuildPage(state, 50, false);
    await writeRebuiltCounters(state.counters);

    // Assert: the old opens had facts to recompute them from (none here), the old sends had none to keep.
    const rebuilt = await readReportKinds(kinds, [...days]);
    for (const kind of kinds)
      for (const day of days) expect(rebuilt.get(kind)?.get(day)).toEqual(live.get(kind)?.get(day));
    const old = await readReportKinds([emailKind('none')], [oldDay]);
    expect(old.get(emailKind('none'))?.get(oldDay)).toEqual({ '*|sent': 5 });
  });
});
