import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  PeriodOverride,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { settings } from '#config/settings';
import { ALERT_RULES } from './catalog.ts';
import type { Stateful } from './stateful.ts';

/** Namespace of every metric the functions emit as EMF (`shared/adapters/metrics.ts`). */
export const METRIC_NAMESPACE = 'LeadLoop';

/**
 * The custom metrics on the dashboard, with the dimension set each is emitted with (see every
 * `countMetric(` call). EMF publishes one CloudWatch metric per dimension set, and none without dimensions
 * unless it is emitted so: a graph must SEARCH the exact set and sum the results.
 */
export const CUSTOM_METRICS = {
  LeadCaptured: ['formId'],
  FormRejected: ['formId'],
  FormSpamBlocked: ['formId', 'reason'],
  TrackEventsAccepted: ['route'],
  TrackEventsRejected: ['route'],
  StepEmailSent: ['sequenceId'],
  LeadHandedOff: ['team'],
  LeadSlaBreached: ['action', 'clock'],
  /**
   * Emitted by the sweeper with no dimensions, only when something was due: age in seconds of the oldest
   * due timer a sweep saw. Graphed, not alarmed: the sweeper publishes `Sweeper Lagging` instead.
   */
  SweeperLagSeconds: [],
} as const satisfies Record<string, readonly string[]>;
export type CustomMetricName = keyof typeof CUSTOM_METRICS;

/** Alarm thresholds, exported for the tests and the README. */
export const THRESHOLDS = {
  /** SES reviews an account at a 5% bounce rate (Reputation.BounceRate is a fraction: 0.05). */
  bounceRate: 0.05,
  /** SES reviews an account at a 0.1% complaint rate. */
  complaintRate: 0.001,
  /** A sweep whose oldest due timer waited longer publishes `Sweeper Lagging` (config/app.ts → monitoring). */
  sweeperLagSeconds: settings.app.monitoring.sweeperLag.thresholdSeconds,
  /** Function errors (all functions of the account in the Region) in 5 minutes that raise the alarm. */
  functionErrors: 1,
} as const;

export interface ObservabilityProps {
  stateful: Stateful;
  /** The stack's functions by catalog name (`Stateless.functions`). */
  functions: ReadonlyMap<string, { fn: IFunction }>;
  /** Deploy the dashboard ($3.00 a month at list price): `config/app.ts` → `monitoring.dashboard`. */
  dashboard?: boolean;
}

/**
 * What the people who run the product watch: alarms and operations alerts (`Sweeper Lagging`) on the stack's
 * alarm topic (which e-mails `config/app.ts` → `alarmEmail` when set), and, when `monitoring.dashboard` is
 * on, one CloudWatch dashboard (the lead loop's business metrics, SES reputation, sweeper lag, dead-letter
 * queues, and errors and p90 duration per function).
 *
 * Instantiate it LAST in the stack: it finds the dead-letter queues by walking the construct tree. A DLQ
 * is any SQS queue with no DLQ of its own (cdk-nag's SQS3 makes every other queue name one), so a DLQ
 * added later is graphed and alarmed without touching this file. A DLQ whose depth is already alarmed
 * (the stack's DLQ in `stateful.ts`, the hand-off queues' DLQs in `handoff-targets.ts`) gets no second
 * alarm.
 *
 * SES: the alarms use the account-level `AWS/SES` `Reputation.BounceRate` / `Reputation.ComplaintRate`
 * (what SES's own enforcement looks at); the dashboard also graphs the configuration set's reputation
 * metrics (the set has `reputationMetricsEnabled`, dimension `ses:configuration-set`) and the account's
 * Send/Delivery/Bounce/Complaint counts. Per-configuration-set send and bounce counts would need a
 * CloudWatch event destination, which the stack does not have (engagement goes to EventBridge).
 */
export class Observability extends Construct {
  /** Undefined unless `dashboard` is asked for. */
  readonly dashboard: Dashboard | undefined;
  readonly alarms: Alarm[] = [];
  readonly deadLetterQueues: Queue[];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { stateful } = props;
    const stack = Stack.of(this);
    const alarmAction = new SnsAction(stateful.alarmTopic);
    const addAlarm = (alarmId: string, alarmProps: ConstructorParameters<typeof Alarm>[2]): Alarm => {
      const alarm = new Alarm(this, alarmId, alarmProps);
      alarm.addAlarmAction(alarmAction);
      this.alarms.push(alarm);
      return alarm;
    };

    // --- SES reputation ---------------------------------------------------------------------------------
    const reputation = (name: 'BounceRate' | 'ComplaintRate', dimensionsMap?: Record<string, string>) =>
      new Metric({
        namespace: 'AWS/SES',
        metricName: `Reputation.${name}`,
        statistic: 'Maximum',
        period: Duration.minutes(15),
        ...(dimensionsMap ? { dimensionsMap } : {}),
      });
    const configurationSet = { 'ses:configuration-set': stateful.configurationSet.ref };
    // SES recomputes the rates over a representative volume and publishes them while the account sends.
    // Missing data keeps the last state: a paused account must not quietly turn the alarm back to OK.
    addAlarm('BounceRateAlarm', {
      alarmDescription:
        'SES account bounce rate is at or over 5% (SES reviews the account here and may pause sending). Look at the bounces on the dashboard and in the email-events logs: which form, list import or sequence sent them; stop importing or sending to that source; check that bounced addresses are suppressed.',
      metric: reputation('BounceRate'),
      threshold: THRESHOLDS.bounceRate,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.IGNORE,
    });
    addAlarm('ComplaintRateAlarm', {
      alarmDescription:
        'SES account complaint rate is at or over 0.1% (SES reviews the account here and may pause sending). Find the sequence or template that drew the complaints (email-events logs, Unsubscribed by how=complaint); pause that sequence in config/sequences.ts and deploy; check consent and the unsubscribe link.',
      metric: reputation('ComplaintRate'),
      threshold: THRESHOLDS.complaintRate,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.IGNORE,
    });

    // --- Sweeper lag: an event, not an alarm ----------------------------------------------------------------
    // An alarm bills each metric it reads every month, busy or idle (the lag alarm read two: $0.20 of an idle
    // stack's bill). The sweeper itself publishes `Sweeper Lagging` when its oldest due timer waited over the
    // threshold (at most once per quiet period), and this rule e-mails it through the alarm topic: nothing is
    // billed until something is late. "Sweeps stopped" is covered by the schedule's dead-letter queue (the
    // stack's DLQ, alarmed: the scheduler could not invoke the sweeper), the sweeper's own async on-failure
    // destination (the same DLQ: an invocation that failed or aged out) and the Errors alarm; a schedule
    // disabled by hand is not (README → Monitoring).
    const sweeperLag = custom('SweeperLagSeconds', 'Maximum', Duration.minutes(1));
    for (const alert of ALERT_RULES) {
      new Rule(this, `${pascal(alert.name)}Alert`, {
        ruleName: `${stack.stackName}-${alert.name}`,
        description: alert.description,
        eventBus: stateful.bus,
        eventPattern: {
          source: alert.pattern.source as string[],
          detailType: alert.pattern['detail-type'] as string[],
        },
        targets: [
          new SnsTopic(stateful.alarmTopic, {
            message: RuleTargetInput.fromText(inputTemplate(alert.alarmTopic.message)),
            deadLetterQueue: stateful.deadLetters,
            retryAttempts: 8,
            maxEventAge: Duration.hours(6),
          }),
        ],
      });
    }

    // --- Dead-letter queues ------------------------------------------------------------------------------
    this.deadLetterQueues = stack.node
      .findAll()
      .filter((c): c is Queue => c instanceof Queue && !c.deadLetterQueue);
    const alarmedQueues = new Set(
      stack.node
        .findAll()
        .filter((c): c is Alarm => c instanceof Alarm)
        .map((a) => a.metric)
        .filter(
          (m): m is Metric =>
            m instanceof Metric &&
            m.namespace === 'AWS/SQS' &&
            m.metricName === 'ApproximateNumberOfMessagesVisible' &&
            m.dimensions?.QueueName !== undefined,
        )
        .map((m) => JSON.stringify(stack.resolve(m.dimensions?.QueueName))),
    );
    const dlqDepth = this.deadLetterQueues.map((queue) => ({
      queue,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(1),
        label: queue.node.path.replace(`${stack.node.path}/`, ''),
      }),
    }));
    for (const { queue } of dlqDepth) {
      if (alarmedQueues.has(JSON.stringify(stack.resolve(queue.queueName)))) continue;
      addAlarm(`${pascalPath(queue.node.path, stack.node.path)}DepthAlarm`, {
        alarmDescription: `A message is in the dead-letter queue ${queue.node.path}: something failed for good. Read the message (SQS console, poll), fix the cause from the failing function's logs, then redrive it to its source.`,
        // Unlabelled: a labelled metric would render the alarm in the metric-math form.
        metric: queue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    // --- Function errors ---------------------------------------------------------------------------------
    // ONE alarm for every function: CloudWatch bills each metric an alarm reads ($0.10 a month; a metric-math
    // alarm over N metrics is N, and one may read at most 10), so an error-rate alarm per function (errors
    // and invocations) cost 2 × $0.10 per function a month. Lambda also publishes Errors without dimensions, the
    // sum over every function of the account in the Region: one metric covers them all (README → Cost;
    // deploy the stack in its own account, as AWS recommends per workload, and it is exactly this stack's).
    // Any error in 5 minutes trips it: as sensitive as the old 1% per function below 100 invocations per
    // 5 minutes, more above. The dashboard still graphs errors per function to find which one failed.
    const accountErrors = new Metric({
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    addAlarm('FunctionErrorsAlarm', {
      alarmDescription: `A Lambda function failed (Errors, summed over the account's functions in the Region) in the last 5 minutes. The dashboard's "Lambda errors" graph shows which one; open its log group (/aws/lambda/${stack.stackName}-<name>) for the errors and X-Ray for the failing call; events behind a rule, the schedule or the stream are retried and then dead-lettered, so also check the DLQ.`,
      metric: accountErrors,
      threshold: THRESHOLDS.functionErrors,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const functions = [...props.functions.entries()];

    // --- Dashboard ---------------------------------------------------------------------------------------
    // $3.00 a month at list price, busy or idle (an account's first 3 are free): only when asked for.
    if (!props.dashboard) {
      this.dashboard = undefined;
      return;
    }
    const width = 12;
    const height = 6;
    const graph = (
      title: string,
      left: IMetric[],
      extra: Partial<ConstructorParameters<typeof GraphWidget>[0]> = {},
    ) => new GraphWidget({ title, left, width, height, ...extra });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stack.stackName}-operations`,
      defaultInterval: Duration.hours(24),
      periodOverride: PeriodOverride.AUTO,
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Lead loop operations (${stack.stackName})\nBusiness counters are EMF metrics in namespace \`${METRIC_NAMESPACE}\`, one line per dimension value plus the total. Alarms go to the stack's alarm topic; see README → Monitoring for what to do.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({
        title: 'Alarms',
        // Every alarm in the stack, those built elsewhere (DLQs, hand-off targets) included.
        alarms: stack.node.findAll().filter((c): c is Alarm => c instanceof Alarm),
        width: 24,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(
      graph('Leads captured', searchWithTotal('LeadCaptured', 'all forms')),
      graph('Form rejections and spam blocks', [
        ...searchWithTotal('FormRejected', 'rejected (all forms)'),
        ...searchWithTotal('FormSpamBlocked', 'spam blocked (all forms)'),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Tracked events accepted / rejected', [
        total('TrackEventsAccepted', 'accepted (all routes)'),
        total('TrackEventsRejected', 'rejected (all routes)'),
        search('TrackEventsAccepted'),
        search('TrackEventsRejected'),
      ]),
      graph('Step e-mails sent', searchWithTotal('StepEmailSent', 'all sequences')),
    );
    this.dashboard.addWidgets(
      graph(
        'SES bounce and complaint rate',
        [
          reputation('BounceRate').with({ label: 'bounce rate (account)' }),
          reputation('BounceRate', configurationSet).with({ label: 'bounce rate (configuration set)' }),
        ],
        {
          right: [
            reputation('ComplaintRate').with({ label: 'complaint rate (account)' }),
            reputation('ComplaintRate', configurationSet).with({
              label: 'complaint rate (configuration set)',
            }),
          ],
          leftAnnotations: [{ value: THRESHOLDS.bounceRate, label: 'bounce 5%' }],
          rightAnnotations: [{ value: THRESHOLDS.complaintRate, label: 'complaint 0.1%' }],
        },
      ),
      graph(
        'SES sends, deliveries, bounces, complaints',
        (['Send', 'Delivery', 'Bounce', 'Complaint'] as const).map(
          (metricName) =>
            new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Sum', period: Duration.minutes(5) }),
        ),
      ),
    );
    this.dashboard.addWidgets(
      graph('Hand-offs (hot leads)', searchWithTotal('LeadHandedOff', 'all teams')),
      graph('SLA breaches', searchWithTotal('LeadSlaBreached', 'all escalations')),
    );
    this.dashboard.addWidgets(
      graph('Sweeper lag (oldest due timer)', [sweeperLag.with({ label: 'lag (s)' })], {
        leftAnnotations: [{ value: THRESHOLDS.sweeperLagSeconds, label: '10 min' }],
      }),
      graph(
        'Dead-letter queue depth',
        dlqDepth.map((d) => d.metric),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Lambda errors',
        functions.map(([name, { fn }]) => fn.metricErrors({ statistic: 'Sum', label: name })),
      ),
      graph(
        'Lambda duration p90',
        functions.map(([name, { fn }]) => fn.metricDuration({ statistic: 'p90', label: name })),
      ),
    );
  }
}

/** `<$.detail.x>` placeholders of a catalog alert message as EventBridge input-transformer fields. */
const inputTemplate = (message: string): string =>
  message.replace(/<(\$\.[A-Za-z0-9_.]+)>/g, (_, path: string) => EventField.fromPath(path));

/** A custom metric as emitted with no dimensions (only SweeperLagSeconds is). */
const custom = (metricName: CustomMetricName, statistic: string, period: Duration): Metric =>
  new Metric({ namespace: METRIC_NAMESPACE, metricName, statistic, period });

/** The SEARCH that finds every series of a metric with exactly its emitted dimension set. */
const searchExpression = (name: CustomMetricName): string => {
  const schema = [METRIC_NAMESPACE, ...CUSTOM_METRICS[name]].join(',');
  return `SEARCH('{${schema}} MetricName="${name}"', 'Sum', 300)`;
};

/** One line per dimension value, labelled by it (a CloudWatch dynamic label per dimension). */
const search = (name: CustomMetricName): MathExpression =>
  new MathExpression({
    expression: searchExpression(name),
    usingMetrics: {},
    label: [name, ...CUSTOM_METRICS[name].map((d) => `\${PROP('Dim.${d}')}`)].join(' '),
    period: Duration.minutes(5),
  });

/** The sum over every dimension value: the metric has no dimension-less series to graph instead. */
const total = (name: CustomMetricName, label: string): MathExpression =>
  new MathExpression({
    expression: `SUM(${searchExpression(name)})`,
    usingMetrics: {},
    label,
    period: Duration.minutes(5),
  });

const searchWithTotal = (name: CustomMetricName, totalLabel: string): MathExpression[] => [
  total(name, totalLabel),
  search(name),
];

const pascal = (name: string): string => name.replace(/(^|[-_])(\w)/g, (_, __, c: string) => c.toUpperCase());

/** A construct path below the stack as an id: Stateful/DeadLetters → StatefulDeadLetters. */
const pascalPath = (path: string, stackPath: string): string =>
  path
    .replace(`${stackPath}/`, '')
    .split('/')
    .map((part) => pascal(part))
    .join('')
    .replace(/[^A-Za-z0-9]/g, '');
