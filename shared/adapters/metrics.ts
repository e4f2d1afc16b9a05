/**
 * Counters as CloudWatch Embedded Metric Format log lines: no SDK call, no latency, and CloudWatch turns
 * them into metrics (namespace LeadLoop). Locally they are just log lines.
 */
export const countMetric = (name: string, dimensions: Record<string, string> = {}, value = 1): void => {
  if (process.env.LOG_LEVEL === 'silent') return;
  console.log(
    JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: 'LeadLoop',
            Dimensions: [Object.keys(dimensions)],
            Metrics: [{ Name: name, Unit: 'Count' }],
          },
        ],
      },
      ...dimensions,
      [name]: value,
    }),
  );
};
