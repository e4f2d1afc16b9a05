import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { powertoolsLogger } from '#adapters/logger';

/**
 * Counters as CloudWatch Embedded Metric Format through Powertools Metrics (namespace LeadLoop): no SDK
 * call, no latency, and CloudWatch turns the log lines into metrics. The local runtime turns them off
 * (`POWERTOOLS_METRICS_DISABLED=false npm start` prints them).
 *
 * A counter without dimensions is buffered and flushed once per invocation by `logMetrics` in the shared
 * middy stack (`shared/http/lambda.ts`); a counter with dimensions is its own EMF line at once (a single
 * metric), since dimensions are per document. LOG_LEVEL `silent` (tests) emits nothing.
 */
const silent = (): boolean => process.env.LOG_LEVEL === 'silent';

/** Powertools warns on every flush without an application metric; that is normal here (the cold-start
 * metric and the dimensioned counters are published on their own), so that one warning is dropped. */
const metricsLog = {
  debug: (...args: unknown[]) => powertoolsLogger.debug(String(args[0] ?? '')),
  info: (...args: unknown[]) => powertoolsLogger.info(String(args[0] ?? '')),
  warn: (...args: unknown[]) => {
    const message = String(args[0] ?? '');
    if (!message.startsWith('No application metrics to publish')) powertoolsLogger.warn(message);
  },
  error: (...args: unknown[]) => powertoolsLogger.error(String(args[0] ?? '')),
};

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'LeadLoop',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lead-loop',
  logger: metricsLog,
});
// No default `service` dimension: every counter carries exactly the dimensions its call names, which is what
// the dashboard's SEARCH expressions and the alarms in infra/observability.ts look for.
metrics.clearDefaultDimensions();

/** A count (the default) or a duration in seconds (e.g. the sweeper's lag). */
export type MetricKind = 'Count' | 'Seconds';

export function countMetric(
  name: string,
  dimensions: Record<string, string> = {},
  value = 1,
  unit: MetricKind = 'Count',
): void {
  if (silent()) return;
  const metricUnit = unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.Count;
  const entries = Object.entries(dimensions);
  if (entries.length === 0) {
    metrics.addMetric(name, metricUnit, value);
    return;
  }
  const single = metrics.singleMetric();
  single.clearDefaultDimensions(); // Powertools adds `service` to every single metric; we name ours exactly
  for (const [key, dimension] of entries) single.addDimension(key, dimension);
  single.addMetric(name, metricUnit, value);
}
