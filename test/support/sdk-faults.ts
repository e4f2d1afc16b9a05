import { randomUUID } from 'node:crypto';

/**
 * Fault-injection and call-recording seams for the reliability suite, added from tests only as AWS SDK v3
 * middleware on the product's own clients (`dynamodb` in shared/store/dynamodb.ts, `sesClient` in
 * shared/adapters/ses.ts, `eventBridgeClient` in shared/adapters/eventbridge.ts). Production code has no
 * test hook: a middleware sees exactly the calls the product makes and can fail any of them.
 */

/** The part of an SDK client these helpers use (every v3 client and the DynamoDB document client). */
export interface SdkClientLike {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware stack is generic over every command.
  middlewareStack: { add: (mw: any, options: any) => void; remove: (name: string) => boolean };
}

/** One call as a middleware saw it: the operation (`PutItem`, `SendEmail`, `PutEvents`, …). */
export interface SdkCall {
  operation: string;
}

interface MiddlewareArgs {
  request?: { headers?: Record<string, string> };
}
interface MiddlewareContext {
  commandName?: string;
}
type Next = (args: MiddlewareArgs) => Promise<unknown>;

/** The operation name: DynamoDB's `x-amz-target` (the document client wraps commands), else the command. */
const operationOf = (args: MiddlewareArgs, context: MiddlewareContext): string => {
  const target = args.request?.headers?.['x-amz-target'];
  if (target) return target.slice(target.indexOf('.') + 1);
  return (context.commandName ?? 'unknown').replace(/Command$/, '');
};

/** DynamoDB operations that change the table. */
export const DYNAMODB_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
]);

/**
 * Record every call a client makes (in the `build` step: once per logical call, before the SDK's own retries)
 * until `stop()`. Used to prove that a rejected request wrote nothing and sent nothing.
 */
export function recordCalls(client: SdkClientLike): {
  calls: SdkCall[];
  clear: () => void;
  stop: () => void;
} {
  const name = `record-${randomUUID()}`;
  const calls: SdkCall[] = [];
  client.middlewareStack.add(
    (next: Next, context: MiddlewareContext) => async (args: MiddlewareArgs) => {
      calls.push({ operation: operationOf(args, context) });
      return next(args);
    },
    { step: 'build', name, priority: 'low' },
  );
  return {
    calls,
    clear: () => {
      calls.length = 0;
    },
    stop: () => {
      client.middlewareStack.remove(name);
    },
  };
}

/** An error shaped like the SDK's service exceptions (name, $fault, $metadata), as the product would see it. */
export function serviceError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 },
  });
}

/** DynamoDB throttling, as the SDK raises it once its own retries are spent. */
export const throttled = () =>
  serviceError(
    'ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded.',
  );
export const throttling = () => serviceError('ThrottlingException', 'Rate exceeded', 400);
/** The SDK's request timeout (NodeHttpHandler `requestTimeout`). */
export const timedOut = () =>
  Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' });

export interface FaultPlan {
  /** Which calls may fail (operation names such as `TransactWriteItems`); all when omitted. */
  operations?: readonly string[];
  /** Fail the nth matching call (1-based) … */
  nth: number;
  /** … and this many after it (default 1). */
  times?: number;
  error: () => Error;
  /**
   * `before`: the call never reaches the service (throttled, connection refused): nothing happens there.
   * `after`: the service did the work but the answer is lost (a timeout on the way back): the ambiguous case.
   */
  when?: 'before' | 'after';
}

/**
 * Fail chosen calls of a client. Added in the `build` step, i.e. outside the SDK's retry loop: the failure is
 * what the product sees once the SDK has given up (a throttle that outlasts its retries, a timeout).
 * Returns the calls seen and how many faults fired; `remove()` takes the middleware off again.
 */
export function injectFault(
  client: SdkClientLike,
  plan: FaultPlan,
): { calls: SdkCall[]; fired: () => number; remove: () => void } {
  const name = `fault-${randomUUID()}`;
  const calls: SdkCall[] = [];
  let matching = 0;
  let fired = 0;
  const times = plan.times ?? 1;
  client.middlewareStack.add(
    (next: Next, context: MiddlewareContext) => async (args: MiddlewareArgs) => {
      const operation = operationOf(args, context);
      calls.push({ operation });
      const eligible = !plan.operations || plan.operations.includes(operation);
      if (!eligible) return next(args);
      matching++;
      const hit = matching >= plan.nth && matching < plan.nth + times;
      if (!hit) return next(args);
      fired++;
      if (plan.when === 'after') {
        await next(args);
        throw plan.error();
      }
      throw plan.error();
    },
    { step: 'build', name, priority: 'high' },
  );
  return {
    calls,
    fired: () => fired,
    remove: () => {
      client.middlewareStack.remove(name);
    },
  };
}
