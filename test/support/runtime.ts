import { inject } from 'vitest';
import { type Runtime, startRuntime } from '#local/runtime';

/**
 * The real local runtime on this file's table, sharing the run's DynamoDB Local and SES. The scheduler and
 * stream poller are off: tests drive them (`runtime.sweep()`, `runtime.settle()`) so timing is theirs.
 */
export const startTestRuntime = (): Promise<Runtime> =>
  startRuntime({
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    sesEndpoint: inject('sesEndpoint'),
    port: 0,
    tableName: process.env.TABLE_NAME,
    opsToken: process.env.OPS_TOKEN,
    sweepEverySeconds: 0,
    pollStream: false,
    log: () => {},
  });

export interface CapturedMail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
  at: number;
}

/** Mail the local SES captured for one recipient, oldest first. */
export const inbox = async (sesUrl: string, to: string): Promise<CapturedMail[]> => {
  const response = await fetch(`${sesUrl}/store`);
  const store = (await response.json()) as { emails: CapturedMail[] };
  return store.emails.filter((m) => m.destination.to.some((t) => t.toLowerCase().includes(to.toLowerCase())));
};

export const uniqueEmail = (label: string): string =>
  `${label}-${Math.random().toString(36).slice(2, 10)}@example.co.jp`;
