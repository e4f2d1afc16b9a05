import { randomUUID } from 'node:crypto';
import type { EventPattern } from '#infra/catalog';
import { matchesPattern } from '#local/event-pattern';

/** An event as EventBridge delivers it to targets. */
export interface DeliveredEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface LocalRule {
  name: string;
  bus: 'default' | 'leads';
  pattern: EventPattern;
  /** A function of the catalog is invoked; any other target (API destination, SQS) is logged. */
  target: { kind: 'function'; functionName: string } | { kind: 'log'; description: string };
}

export interface PutEventsEntry {
  EventBusName?: string;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Time?: string | number;
  Resources?: string[];
}

export interface RouterOptions {
  leadsBusName: string;
  rules: readonly LocalRule[];
  invoke: (functionName: string, event: DeliveredEvent) => Promise<unknown>;
  log: (line: string) => void;
  /** Attempts per delivery before the event is logged as dead-lettered (EventBridge retries too). */
  maxAttempts?: number;
}

/**
 * The local stand-in for EventBridge: takes PutEvents, keeps every event for `GET /_local/events`, and
 * delivers to the targets of the rules whose pattern matches (asynchronously, with retries, as AWS does).
 */
export class LocalEventRouter {
  private readonly log: DeliveredEvent[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly deadLetters: { rule: string; event: DeliveredEvent; error: string }[] = [];
  private failuresLeft = 0;

  constructor(private readonly options: RouterOptions) {}

  /**
   * Fault injection for tests: the next `calls` PutEvents calls fail every entry (`InternalFailure`, as
   * EventBridge reports a throttled or failed entry), so publisher retries can be exercised.
   */
  failNextPuts(calls: number): void {
    this.failuresLeft = calls;
  }

  putEvents(entries: readonly PutEventsEntry[]): {
    FailedEntryCount: number;
    Entries: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
  } {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      const failed = entries.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'injected failure' }));
      return { FailedEntryCount: failed.length, Entries: failed };
    }
    const results = entries.map((entry) => {
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail ?? '{}');
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' };
      }
      if (!entry.Source || !entry.DetailType) {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source and DetailType are required' };
      }
      const bus = !entry.EventBusName || entry.EventBusName === 'default' ? 'default' : 'leads';
      if (bus === 'leads' && !entry.EventBusName?.endsWith(this.options.leadsBusName)) {
        return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `no bus named ${entry.EventBusName}` };
      }
      const event: DeliveredEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: '000000000000',
        time: new Date(entry.Time === undefined ? Date.now() : toEpochMs(entry.Time)).toISOString(),
        region: process.env.AWS_REGION ?? 'ap-northeast-1',
        resources: entry.Resources ?? [],
        detail,
      };
      this.accept(bus, event);
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  /** Every event put on any bus, oldest first. */
  events(): readonly DeliveredEvent[] {
    return this.log;
  }

  failedDeliveries() {
    return this.deadLetters;
  }

  /** Resolves when every delivery started so far (and those they caused) has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private accept(bus: 'default' | 'leads', event: DeliveredEvent): void {
    this.log.push(event);
    const matched = this.options.rules.filter((r) => r.bus === bus && matchesPattern(r.pattern, event));
    this.options.log(
      `event  ${event['detail-type']} (${event.source}) → ${matched.map((r) => r.name).join(', ') || 'no rule'}`,
    );
    for (const rule of matched) {
      if (rule.target.kind === 'log') {
        this.options.log(`target ${rule.name}: ${rule.target.description}`);
        continue;
      }
      const delivery = this.deliver(rule, rule.target.functionName, event);
      this.pending.add(delivery);
      void delivery.finally(() => this.pending.delete(delivery));
    }
  }

  private async deliver(rule: LocalRule, functionName: string, event: DeliveredEvent): Promise<void> {
    // EventBridge retries a failed target with exponential backoff (for up to 24 hours in AWS); locally a few
    // attempts with a short backoff, so that a target that lost a race (a 503-style contention error) gets
    // its retry as it would in AWS, and a target that always fails is dead-lettered within seconds.
    const attempts = this.options.maxAttempts ?? 6;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.options.invoke(functionName, event);
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (attempt === attempts) {
          this.deadLetters.push({ rule: rule.name, event, error: message });
          this.options.log(`target ${rule.name} failed ${attempts} times, dead-lettered: ${message}`);
        } else {
          const backoff = Math.min(2_000, 50 * 2 ** attempt);
          await new Promise((resolve) => setTimeout(resolve, backoff / 2 + Math.random() * (backoff / 2)));
        }
      }
    }
  }
}

const toEpochMs = (t: string | number): number =>
  typeof t === 'number' ? (t < 1e12 ? t * 1000 : t) : Date.parse(t);
