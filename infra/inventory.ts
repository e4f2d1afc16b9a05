/**
 * What a synthesized template bills every month whatever the traffic, counted from its resources (the cost
 * bench and the infra tests read the same count): CloudWatch bills each metric an alarm reads (a metric
 * alarm reads one; a metric-math alarm one per `MetricStat` it lists), composite alarms, dashboards,
 * customer-managed KMS keys and Secrets Manager secrets.
 */
export interface FixedInventory {
  alarms: number;
  alarmMetrics: number;
  compositeAlarms: number;
  /** CloudWatch dashboards: $3.00 each a month at list price. */
  dashboards: number;
  kmsKeys: number;
  secrets: number;
  /** Alarm metrics that are custom (namespace LeadLoop): billed as custom metrics for every hour with data. */
  customAlarmMetrics: string[];
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export function fixedInventory(template: { Resources?: Resources }): FixedInventory {
  const resources = Object.values(template.Resources ?? {});
  const of = (type: string) => resources.filter((r) => r.Type === type);
  const custom = new Set<string>();
  let alarmMetrics = 0;
  for (const alarm of of('AWS::CloudWatch::Alarm')) {
    const p = alarm.Properties ?? {};
    if (typeof p.MetricName === 'string') {
      alarmMetrics += 1;
      if (p.Namespace === 'LeadLoop') custom.add(p.MetricName);
      continue;
    }
    for (const query of (p.Metrics ?? []) as { MetricStat?: { Metric?: Record<string, unknown> } }[]) {
      const metric = query.MetricStat?.Metric;
      if (!metric) continue;
      alarmMetrics += 1;
      if (metric.Namespace === 'LeadLoop') custom.add(String(metric.MetricName));
    }
  }
  return {
    alarms: of('AWS::CloudWatch::Alarm').length,
    alarmMetrics,
    compositeAlarms: of('AWS::CloudWatch::CompositeAlarm').length,
    dashboards: of('AWS::CloudWatch::Dashboard').length,
    kmsKeys: of('AWS::KMS::Key').length,
    secrets: of('AWS::SecretsManager::Secret').length,
    customAlarmMetrics: [...custom],
  };
}
