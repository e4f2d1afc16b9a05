import { describe, expect, it } from 'vitest';
import { concurrencyFor, rateLimiter } from '#app/sweep-due-timers';
import { appConfigSchema } from '#config/app';
import { app } from '../../../config/app.ts';

describe('sweeper send rate', () => {
  it('keeps enough steps in flight for the rate (Little’s law, between 8 and 128)', () => {
    expect(concurrencyFor(14)).toBe(8);
    expect(concurrencyFor(100)).toBe(25);
    expect(concurrencyFor(512)).toBe(128);
    expect(concurrencyFor(10_000)).toBe(128);
  });

  it('takes the rate from config/app.ts and refuses one above the account quota', () => {
    const parsed = appConfigSchema.parse(app);
    expect(parsed.ses.sendRatePerSecond).toBeLessThanOrEqual(parsed.ses.accountMaxSendRate);
    const over = appConfigSchema.safeParse({
      ...app,
      ses: { accountMaxSendRate: 14, sendRatePerSecond: 100 },
    });
    expect(over.success).toBe(false);
    expect(JSON.stringify(over.error?.issues)).toContain('sendRatePerSecond');
  });

  it('spaces permits evenly at the rate', async () => {
    const permit = rateLimiter(1000);
    const started = Date.now();
    for (let i = 0; i < 20; i++) await permit();
    // 20 permits at 1,000/s take at least 19 ms whatever the machine's speed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(18);
  });
});
