import { z } from 'zod';
import {
  CHANNEL_GROUPS,
  type ChannelGroupingConfig,
  DEFAULT_CHANNEL_GROUPING,
} from '#domain/capture/attribution';
import { DIGEST_WEEKDAYS, type DigestConfig } from '#domain/reports/digest';
import type { TargetsConfig } from '#domain/reports/reports';

const count = z.number().int().min(0).max(1e9);
const figures = z
  .object({
    leads: count.optional(),
    mql: count.optional(),
    sql: count.optional(),
    opportunities: count.optional(),
  })
  .strict();

const monthFigures = figures
  .extend({ byChannel: z.partialRecord(z.enum(CHANNEL_GROUPS), figures).optional() })
  .strict();

/**
 * Monthly targets: `{ everyMonth: { leads: 220, … }, months: { '2026-12': { leads: 300, mql: 60, sql: 20,
 * opportunities: 8, byChannel: { event: {…} } } } }`. A month named in `months` takes its own figures
 * (all of them: nothing is merged from `everyMonth`); every other month takes `everyMonth`'s, if given.
 */
export const targetsSchema = z
  .object({
    everyMonth: monthFigures.optional(),
    months: z
      .record(z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'months are keyed YYYY-MM'), monthFigures)
      .default({}),
  })
  .strict() satisfies z.ZodType<TargetsConfig>;

const normalizedMedium = z
  .string()
  .regex(/^[a-z0-9_]{1,40}$/, 'a utm_medium as matched: lower-case, `-` and spaces written as `_`');

/** Channel grouping: the default rules plus marketing ops' additions (a medium mapped here wins). */
export const channelGroupingSchema = z
  .object({
    mediums: z.record(normalizedMedium, z.enum(CHANNEL_GROUPS)).default({}),
    searchEngines: z.array(z.string().min(1).max(100)).default([]),
    socialNetworks: z.array(z.string().min(1).max(100)).default([]),
    ownHosts: z.array(z.string().min(1).max(253)).default([]),
  })
  .strict()
  .transform(
    (c): ChannelGroupingConfig => ({
      mediums: { ...DEFAULT_CHANNEL_GROUPING.mediums, ...c.mediums },
      searchEngines: [...DEFAULT_CHANNEL_GROUPING.searchEngines, ...c.searchEngines],
      socialNetworks: [...DEFAULT_CHANNEL_GROUPING.socialNetworks, ...c.socialNetworks],
      ownHosts: [...DEFAULT_CHANNEL_GROUPING.ownHosts, ...c.ownHosts],
    }),
  );

/**
 * The weekly review digest: the last whole week (Monday–Sunday, `app.timeZone`) against the week before,
 * mailed to `recipients` every `weekday` at `time` (local, `HH:MM`). Absent: no digest and no schedule.
 */
export const digestSchema = z
  .object({
    recipients: z.array(z.email()).min(1).max(20),
    weekday: z.enum(DIGEST_WEEKDAYS),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time of day as HH:MM (00:00–23:59)'),
    topChannels: z.number().int().min(1).max(20).default(5),
  })
  .strict() satisfies z.ZodType<DigestConfig, unknown>;

/** Reports: targets, channel grouping and the weekly digest. Counting days follow `app.timeZone`. */
export const reportsConfigSchema = z
  .object({
    digest: digestSchema.optional(),
    targets: targetsSchema.default({ months: {} }),
    channelGrouping: channelGroupingSchema.default({
      mediums: {},
      searchEngines: [],
      socialNetworks: [],
      ownHosts: [],
    }),
  })
  .strict();
export type ReportsConfigInput = z.input<typeof reportsConfigSchema>;
