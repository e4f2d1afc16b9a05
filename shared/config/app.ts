import { z } from 'zod';
import type { SweeperLagConfig } from '#domain/operations/sweeper-lag';
import type { RetentionConfig } from '#domain/privacy/retention';
import type { AnonymousLimits } from '#domain/tracking/anonymous';

const origin = z
  .string()
  .refine(
    (s) => /^https:\/\/[a-z0-9.-]+(:\d+)?$/i.test(s) || /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(s),
    {
      message:
        'must be an origin such as https://www.example.co.jp (https, or http://localhost for development)',
    },
  );

/** How long personal data is kept (README → Privacy and retention). */
export const retentionConfigSchema = z
  .object({
    /** Timeline entries: 25 months by default (a year-on-year comparison plus a month). */
    timelineDays: z.number().int().min(30).max(3650).default(761),
    /** Anonymous visitors who never identify: 13 months by default. */
    anonymousDays: z.number().int().min(1).max(3650).default(396),
    /** Disqualified leads with no activity: 24 months by default, then erased by the sweeper. */
    disqualifiedInactiveDays: z.number().int().min(30).max(3650).default(730),
    /**
     * The leads bus's archive (replays to a CRM that was down): 30 days by default. Its events carry e-mail
     * addresses and hand-off fields, and one cannot be deleted from an archive, so this bounds how long an
     * erased person's data outlives the erase there.
     */
    busArchiveDays: z.number().int().min(1).max(3650).default(30),
  })
  .strict() satisfies z.ZodType<RetentionConfig>;

/** Deployment-wide settings: who mails are from, which origins may post, the stage name, limits. */
export const appConfigSchema = z
  .object({
    /** Prefix of every resource name; lower-case letters, digits and dashes. */
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,20}$/, 'lower-case letters, digits and dashes, 2 to 21 characters')
      .default('dev'),
    /** The sender identity shown in every mail; Japan's Specified Electronic Mail Act requires name and address. */
    sender: z
      .object({
        fromAddress: z.email(),
        fromName: z.string().min(1).max(100),
        replyTo: z.email().optional(),
        companyName: z.string().min(1).max(200),
        postalAddress: z.string().min(1).max(300),
        /** The SES identity (domain or address) the functions may send from. */
        sesIdentity: z.string().min(3),
      })
      .strict(),
    /**
     * SES sending as the sweeper paces step e-mails (README → Sweeper throughput). `accountMaxSendRate` is the
     * account's maximum send rate in this region (SES console → Account dashboard, or Service Quotas
     * "Sending rate"; a new production account starts at 14/s); `sendRatePerSecond` is what step e-mails use
     * of it (at most the quota). A backlog of N due steps drains in about N ÷ sendRatePerSecond × 60 ÷ 54 s.
     */
    ses: z
      .object({
        accountMaxSendRate: z.number().positive().max(10_000).default(14),
        sendRatePerSecond: z.number().positive().max(10_000).default(14),
      })
      .strict()
      .refine((s) => s.sendRatePerSecond <= s.accountMaxSendRate, {
        message: 'sendRatePerSecond must not exceed accountMaxSendRate (the SES account quota)',
        path: ['sendRatePerSecond'],
      })
      .default({ accountMaxSendRate: 14, sendRatePerSecond: 14 }),
    /** Origins that may call the public API from a browser (union with each form's own list). */
    allowedOrigins: z.array(origin).default([]),
    timeZone: z.string().default('Asia/Tokyo'),
    locale: z.enum(['ja', 'en']).default('ja'),
    api: z
      .object({
        /** Steady-state requests per second and burst for the public routes (API Gateway throttling). */
        throttle: z
          .object({ rate: z.number().int().positive(), burst: z.number().int().positive() })
          .strict(),
        maxBodyBytes: z
          .number()
          .int()
          .positive()
          .max(256 * 1024)
          .default(32 * 1024),
      })
      .strict()
      .default({ throttle: { rate: 50, burst: 100 }, maxBodyBytes: 32 * 1024 }),
    /**
     * Optional CloudFront distribution in front of the HTTP API with a WAF web ACL (scope CLOUDFRONT, so it
     * lives in a small us-east-1 stack) limiting requests per client IP on the public routes. Off by default.
     */
    edge: z
      .object({
        enabled: z.boolean().default(false),
        /** Seconds over which WAF counts each client IP's requests (WAF offers 60, 120, 300 or 600). */
        windowSeconds: z.union([z.literal(60), z.literal(120), z.literal(300), z.literal(600)]).default(300),
        /** Requests per client IP per window on each public route before WAF answers 429 (WAF minimum 10). */
        rateLimits: z
          .object({
            forms: z.number().int().min(10).max(2_000_000_000).default(100),
            track: z.number().int().min(10).max(2_000_000_000).default(2000),
            confirm: z.number().int().min(10).max(2_000_000_000).default(100),
            unsubscribe: z.number().int().min(10).max(2_000_000_000).default(100),
          })
          .strict()
          .default({ forms: 100, track: 2000, confirm: 100, unsubscribe: 100 }),
      })
      .strict()
      .default({
        enabled: false,
        windowSeconds: 300,
        rateLimits: { forms: 100, track: 2000, confirm: 100, unsubscribe: 100 },
      }),
    logRetentionDays: z
      .union([z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(180), z.literal(365)])
      .default(30),
    /** Tracking bounds: events an anonymous visitor may keep per window (then `rate_limited`). */
    tracking: z
      .object({
        maxEventsPerVisitor: z.number().int().positive().max(100_000),
        windowDays: z.number().int().positive().max(365),
      })
      .strict()
      .default({ maxEventsPerVisitor: 500, windowDays: 90 }) satisfies z.ZodType<AnonymousLimits>,
    /** Optional address that receives alarm notifications (DLQ depth, SLA breaches). */
    alarmEmail: z.email().optional(),
    /**
     * What the stack watches without an alarm metric (README → Monitoring). `sweeperLag`: a sweep whose
     * oldest due timer waited over `thresholdSeconds` publishes one `Sweeper Lagging` event, routed to the
     * alarm topic, then none for `quietMinutes`. `dashboard`: the operations dashboard, $3.00 a month at list
     * price (an account's first 3 dashboards are free): off unless asked, so an idle stack stays under $0.50.
     */
    monitoring: z
      .object({
        dashboard: z.boolean().default(false),
        sweeperLag: z
          .object({
            thresholdSeconds: z.number().int().min(60).max(86_400).default(600),
            quietMinutes: z.number().int().min(1).max(1_440).default(60),
          })
          .strict()
          .default({ thresholdSeconds: 600, quietMinutes: 60 }) satisfies z.ZodType<SweeperLagConfig>,
      })
      .strict()
      .default({ dashboard: false, sweeperLag: { thresholdSeconds: 600, quietMinutes: 60 } }),
    /**
     * X-Ray subsegments for every AWS SDK call and the handler (Powertools Tracer), on top of the segments
     * Lambda's active tracing records by itself (invocation, initialization, overhead). Off by default:
     * the Tracer brings aws-xray-sdk-core into every bundle and costs about 15-20 ms of each cold start
     * (README → Cold start). Turn it on to see DynamoDB/SES/EventBridge calls inside a trace.
     */
    sdkTracing: z.boolean().default(false),
    /**
     * People's sign-in to the console. `mfa`: two-step sign-in with an authenticator app (TOTP): `optional`
     * (each person turns it on under Security) or `required` (set up at the first sign-in; what a team
     * holding customers' personal data should run in production).
     */
    signIn: z
      .object({
        mfa: z.enum(['optional', 'required']).default('optional'),
        /**
         * Cognito's threat protection (the Plus plan the pool is on): `audit` scores every sign-in's risk and
         * checks passwords against leaked ones, acting on nothing (AWS's advice for the first weeks);
         * `enforce` blocks leaked passwords and high-risk sign-ins and asks a medium-risk one for the
         * authenticator code when the person has one.
         */
        threatProtection: z.enum(['audit', 'enforce']).default('audit'),
        /**
         * Cognito's mail (invitations, password reset codes) through the stack's SES identity, in Japanese.
         * `false` while the account's SES is still in the sandbox (it delivers only to verified addresses, so
         * creating the people would fail): Cognito's own mail, in English, at most 50 a day.
         */
        mailThroughSes: z.boolean().default(true),
        /**
         * People who sign in besides the sales owners (every owner of config/handoff.ts is a `sales` user):
         * marketing and administrators. The stack creates each and Cognito mails the invitation; removing one
         * here removes their sign-in at the next deploy.
         */
        people: z
          .array(
            z
              .object({
                email: z.email().max(254),
                name: z.string().trim().min(1).max(100),
                role: z.enum(['admin', 'marketing']),
              })
              .strict(),
          )
          .max(200)
          .default([]),
      })
      .strict()
      .default({ mfa: 'optional', threatProtection: 'audit', mailThroughSes: true, people: [] }),
    /** How long personal data is kept (README → Privacy and retention). */
    retention: retentionConfigSchema.default({
      timelineDays: 761,
      anonymousDays: 396,
      disqualifiedInactiveDays: 730,
      busArchiveDays: 30,
    }),
  })
  .strict();

export type AppConfig = z.output<typeof appConfigSchema>;
