import type middy from '@middy/core';

/**
 * tracer.ts for bundles built with `app.sdkTracing: false` (the default; infra/bundling.ts aliases
 * `#adapters/tracer` to this file): the same exports, doing nothing, so no X-Ray SDK is loaded at a cold
 * start. Lambda's active tracing still records each invocation and its initialization.
 */
export function traced<T>(client: T): T {
  return client;
}

export function tracingMiddleware(): middy.MiddlewareObj | undefined {
  return undefined;
}
