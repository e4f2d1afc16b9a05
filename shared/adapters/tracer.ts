import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type middy from '@middy/core';

/**
 * X-Ray tracing through Powertools Tracer. It is on in Lambda (the function wrapper sets active tracing) and
 * off wherever POWERTOOLS_TRACE_ENABLED is `false` (the local runtime) or there is no Lambda environment
 * (tests), in which case every call below is a no-op. SDK clients are wrapped with `traced(client)`.
 *
 * Deployed bundles carry this file only with `app.sdkTracing: true`; otherwise infra/bundling.ts swaps in
 * tracer.off.ts (same exports, no X-Ray SDK) and Lambda's active tracing records the function's own
 * segments without SDK subsegments.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lead-loop' });

/** Captures an AWS SDK v3 client's calls as subsegments; returns the client unchanged when tracing is off. */
export function traced<T>(client: T): T {
  return tracer.isTracingEnabled() ? tracer.captureAWSv3Client(client) : client;
}

/** The handler's own subsegment (cold start and service annotations, errors), or nothing when tracing is off. */
export function tracingMiddleware(): middy.MiddlewareObj | undefined {
  return tracer.isTracingEnabled() ? captureLambdaHandler(tracer) : undefined;
}
