import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger, maskEmails, powertoolsLogger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { eventHandler } from '#http/lambda';

const context = { awsRequestId: 'req-1', functionName: 'lead-loop-test' } as Context;

/** Powertools writes through its own Console on process.stdout/stderr; capture both. */
const captureOutput = () => {
  const lines: string[] = [];
  const grab = (chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(grab);
  vi.spyOn(process.stderr, 'write').mockImplementation(grab);
  return lines;
};

describe('e-mail masking', () => {
  it('given addresses in text and nested fields, when masked, then only the local parts are hidden', () => {
    expect(
      maskEmails({
        message: 'sent to taro.yamada+news@example.co.jp and hanako@mail.example.com',
        lead: { email: 'Taro@Example.co.jp', tags: ['x', 'y@z.io'] },
        count: 3,
        none: null,
      }),
    ).toEqual({
      message: 'sent to ***@example.co.jp and ***@mail.example.com',
      lead: { email: '***@Example.co.jp', tags: ['x', '***@z.io'] },
      count: 3,
      none: null,
    });
  });

  it('given text without an address, when masked, then it is unchanged', () => {
    expect(maskEmails('lead l-1 scored 40 @ 10:00 (a@b is not an address)')).toBe(
      'lead l-1 scored 40 @ 10:00 (a@b is not an address)',
    );
  });

  it('given a cyclic field, when masked, then it terminates', () => {
    const cyclic: Record<string, unknown> = { email: 'a@example.com' };
    cyclic.self = cyclic;
    expect((maskEmails(cyclic) as { email: string }).email).toBe('***@example.com');
  });

  describe('the logger', () => {
    afterEach(() => {
      vi.restoreAllMocks();
      powertoolsLogger.setLogLevel('SILENT');
    });

    it('given INFO, when a message and fields carry an address, then the log line shows none', () => {
      powertoolsLogger.setLogLevel('INFO');
      const lines = captureOutput();
      logger.info('captured taro@example.co.jp', { email: 'taro@example.co.jp', leadId: 'l-1' });
      const line = JSON.parse(lines.at(-1) ?? '{}') as Record<string, unknown>;
      expect(line.message).toBe('captured ***@example.co.jp');
      expect(line.email).toBe('***@example.co.jp');
      expect(line.leadId).toBe('l-1');
      expect(lines.join('\n')).not.toContain('taro@');
    });

    it('given DEBUG, when an address is logged, then it stays readable', () => {
      powertoolsLogger.setLogLevel('DEBUG');
      const lines = captureOutput();
      logger.debug('debugging', { email: 'taro@example.co.jp' });
      expect(lines.join('\n')).toContain('taro@example.co.jp');
    });

    it('given LOG_LEVEL silent (the tests), when logging, then nothing is written', () => {
      const lines = captureOutput();
      logger.error('boom', { email: 'taro@example.co.jp' });
      expect(lines).toEqual([]);
    });
  });
});

describe('eventHandler (the non-HTTP middy stack)', () => {
  let level: string | undefined;
  beforeEach(() => {
    level = process.env.LOG_LEVEL;
  });
  afterEach(() => {
    process.env.LOG_LEVEL = level;
    vi.restoreAllMocks();
  });

  it('given a handler that counts nothing, when invoked, then the metrics flush does not throw', async () => {
    const handler = eventHandler(async (event: { n: number }) => ({ doubled: event.n * 2 }));
    await expect(handler({ n: 2 }, context)).resolves.toEqual({ doubled: 4 });
  });

  it('given a handler that throws, when invoked, then the error still fails the invocation', async () => {
    const handler = eventHandler(async () => {
      throw new Error('retry me');
    });
    await expect(handler({}, context)).rejects.toThrow('retry me');
  });

  it('given counters, when the invocation ends, then they are EMF lines in namespace LeadLoop', async () => {
    process.env.LOG_LEVEL = 'info';
    const lines = captureOutput();
    const handler = eventHandler(async () => {
      countMetric('LeadsCaptured');
      countMetric('MailsSent', { template: 'welcome' }, 2);
      return 'ok';
    });
    await handler({}, context);
    const docs = lines
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } });
    const named = (metric: string) => docs.find((d) => metric in d);
    expect(named('LeadsCaptured')?.LeadsCaptured).toBe(1);
    expect(named('MailsSent')).toMatchObject({ MailsSent: 2, template: 'welcome' });
    expect(JSON.stringify(named('MailsSent')?._aws.CloudWatchMetrics)).toContain('"Namespace":"LeadLoop"');
  });
});
