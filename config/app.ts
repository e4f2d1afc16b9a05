import type { z } from 'zod';
import type { appConfigSchema } from '#config/app';

/**
 * Deployment-wide settings. Marketing ops edit this file and run `npx cdk deploy`; a wrong value fails at
 * synth with a message that names the field.
 */
export const app: z.input<typeof appConfigSchema> = {
  stage: 'demo',
  sender: {
    fromAddress: 'marketing@example.co.jp',
    fromName: '株式会社サンプル マーケティング部',
    replyTo: 'sales@example.co.jp',
    companyName: '株式会社サンプル',
    postalAddress: '〒100-0005 東京都千代田区丸の内1-1-1',
    sesIdentity: 'example.co.jp',
  },
  // SES sending rate for step e-mails, up to the account's quota (README → Sweeper throughput).
  ses: { accountMaxSendRate: 14, sendRatePerSecond: 14 },
  allowedOrigins: ['https://www.example.co.jp', 'http://localhost:3000'],
  timeZone: 'Asia/Tokyo',
  locale: 'ja',
  api: { throttle: { rate: 50, burst: 100 }, maxBodyBytes: 32 * 1024 },
  // Per-client-IP rate limits at the edge (CloudFront + WAF, deployed in us-east-1): off in the demo.
  // Requests per IP per 5 minutes on each public route; see README → Deploy → Edge rate limits.
  edge: {
    enabled: false,
    windowSeconds: 300,
    rateLimits: { forms: 100, track: 2000, confirm: 100, unsubscribe: 100 },
  },
  logRetentionDays: 30,
  // A sweep whose oldest due timer waited over 10 minutes e-mails the alarm topic once an hour at most. The
  // operations dashboard costs $3.00 a month at list price (free for an account's first 3): set
  // `dashboard: true` to deploy it (README → Monitoring).
  monitoring: { dashboard: false, sweeperLag: { thresholdSeconds: 600, quietMinutes: 60 } },
  // Two-step sign-in (authenticator app) for the console: 'optional' lets each person turn it on (the demo);
  // 'required' asks everyone to set it up at the first sign-in: use it in production (README → Sign-in).
  // People who sign in besides the sales owners of config/handoff.ts: invited at deploy (README → Sign-in).
  signIn: {
    mfa: 'optional',
    // Cognito's threat protection: 'audit' first (risk scored, nothing blocked), 'enforce' after a few weeks.
    threatProtection: 'audit',
    // Invitations and reset codes through SES in Japanese; false while SES is in the sandbox (README → Deploy).
    mailThroughSes: true,
    people: [
      { email: 'n.mori@example.co.jp', name: '森 直人', role: 'admin' },
      { email: 'm.nakajima@example.co.jp', name: '中島 美穂', role: 'marketing' },
    ],
  },
  // Personal data retention (README → Privacy and retention): timeline 25 months, anonymous visitors 13 months,
  // disqualified leads without activity erased after 24 months, the bus archive's copies of events 30 days.
  retention: { timelineDays: 761, anonymousDays: 396, disqualifiedInactiveDays: 730, busArchiveDays: 30 },
};
