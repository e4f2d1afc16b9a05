import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { powertoolsLogger } from '#adapters/logger';
import { metrics } from '#adapters/metrics';
import { tracingMiddleware } from '#adapters/tracer';

/**
 * The one observability stack every Lambda entry gets (Powertools): the request id, cold start and function
 * name on every log line (`injectLambdaContext`), the invocation's buffered EMF metrics flushed at the end
 * (`logMetrics`, which never throws when nothing was counted; no cold-start metric), and an X-Ray segment
 * for the handler when SDK tracing is on (`captureLambdaHandler`: `app.sdkTracing`, off locally and in tests).
 * `httpHandler` (shared/http/api.ts) and `eventHandler` below are the only two places it is wired.
 */
export function withObservability<E, R>(handler: middy.MiddyfiedHandler<E, R>): middy.MiddyfiedHandler<E, R> {
  handler
    .use(injectLambdaContext(powertoolsLogger))
    // No ColdStart metric: a custom metric is billed for every hour it receives data, and a function invoked
    // every minute (the sweeper) starts cold every few hours, idle or not (about $0.15 a month per function
    // at list price; README → Cost). Lambda's own REPORT line carries the Init Duration of each cold start.
    .use(logMetrics(metrics, { captureColdStartMetric: false }));
  const tracing = tracingMiddleware();
  if (tracing) handler.use(tracing);
  return handler;
}

/**
 * For handlers that are not HTTP routes (bus events, the table stream, schedules): the same middlewares as
 * `httpHandler`, no HTTP error mapping (a thrown error still fails the invocation so Lambda retries it).
 */
export function eventHandler<E, R>(
  fn: (event: E, context: Context) => Promise<R>,
): middy.MiddyfiedHandler<E, R> {
  return withObservability(middy<E, R>()).handler(fn);
}
