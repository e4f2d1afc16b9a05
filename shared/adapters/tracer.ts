import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray tracing through Powertools Tracer. It is on in Lambda (the function wrapper sets active tracing) and
 * off wherever POWERTOOLS_TRACE_ENABLED is `false` (the local runtime) or there is no Lambda environment
 * (tests), in which case every call below is a no-op. SDK clients are wrapped with `traced(client)`.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lead-loop' });

/** Captures an AWS SDK v3 client's calls as subsegments; returns the client unchanged when tracing is off. */
export function traced<T>(client: T): T {
  return tracer.isTracingEnabled() ? tracer.captureAWSv3Client(client) : client;
}
