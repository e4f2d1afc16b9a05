import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { handoffConfigSchema } from '#config/handoff';
import { type Settings, settings } from '#config/settings';
import { FUNCTIONS } from '#infra/catalog';
import { handoff as demoHandoff } from '../../config/handoff.ts';
import { fixedInventory } from '../../infra/inventory.ts';
import { CUSTOM_METRICS, Observability, THRESHOLDS } from '../../infra/observability.ts';
import { LeadLoopStack } from '../../infra/stack.ts';
import { Stateful } from '../../infra/stateful.ts';
import { testApp } from '../support/cdk-app.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const ALARM_EMAIL = 'ops@example.co.jp';

// The demo settings plus an alarm address and an SQS hand-off target (which brings its own DLQ).
const custom: Settings = {
  ...settings,
  app: {
    ...settings.app,
    alarmEmail: ALARM_EMAIL,
    monitoring: { ...settings.app.monitoring, dashboard: true },
  },
  handoff: handoffConfigSchema.parse({
    ...demoHandoff,
    targets: [
      ...(demoHandoff.targets ?? []),
      { kind: 'sqs', name: 'custom-consumers', events: ['Lead Handed Off'] },
    ],
  }),
};

let app: App;
let template: Template;
let topicId: string;
let body: string;

type Resource = { Properties: Record<string, unknown> };
const alarms = (): Resource[] =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
const toTopic = { AlarmActions: [{ Ref: '' }] };

beforeAll(() => {
  // Skip esbuild bundling: these tests are about the resources, not the code assets.
  app = testApp();
  const stack = new LeadLoopStack(app, 'leadloop-obs', { settings: custom });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  template = Template.fromStack(stack);
  const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
  expect(topics).toHaveLength(1);
  topicId = topics[0] ?? '';
  toTopic.AlarmActions = [{ Ref: topicId }];
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
  expect(dashboards).toHaveLength(1);
  body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
});

describe('operations dashboard', () => {
  it('given the stack, when synthesized, then one dashboard names every widget', () => {
    // Assert
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'leadloop-obs-operations',
    });
    for (const title of [
      'Alarms',
      'Leads captured',
      'Form rejections and spam blocks',
      'Tracked events accepted / rejected',
      'Step e-mails sent',
      'SES bounce and complaint rate',
      'SES sends, deliveries, bounces, complaints',
      'Hand-offs (hot leads)',
      'SLA breaches',
      'Sweeper lag (oldest due timer)',
      'Dead-letter queue depth',
      'Lambda errors',
      'Lambda duration p90',
    ]) {
      expect(body).toContain(`"title\\":\\"${title}\\"`);
    }
  });

  it('given EMF metrics emitted with dimensions, when graphed, then each is found by a SEARCH of its exact dimension set and summed', () => {
    for (const [name, dims] of Object.entries(CUSTOM_METRICS)) {
      if (!dims.length) continue;
      const schema = ['LeadLoop', ...dims].join(',');
      expect(body).toContain(`SEARCH('{${schema}} MetricName=\\\\\\"${name}\\\\\\"', 'Sum', 300)`);
      expect(body).toContain(`SUM(SEARCH('{${schema}} MetricName=\\\\\\"${name}\\\\\\"'`);
    }
    // The sweeper's lag has no dimensions: a plain metric.
    expect(body).toContain('[\\"LeadLoop\\",\\"SweeperLagSeconds\\"');
  });

  it('given every countMetric call in the code, when compared, then the dashboard expects the dimensions it emits', () => {
    // Arrange: every `countMetric('Name', { a: …, b })` in functions/ and shared/.
    const emitted = new Map<string, string[]>();
    const files = ['functions', 'shared'].flatMap((dir) =>
      readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(ROOT, dir, f)),
    );
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(
        /countMetric\(\s*'(\w+)'(?:\s*,\s*\{([^}]*)\})?/g,
      )) {
        const keys = (m[2] ?? '')
          .split(',')
          .map((part) => part.split(':')[0]?.trim() ?? '')
          .filter(Boolean)
          .sort();
        emitted.set(m[1] ?? '', keys);
      }
    }

    // Assert
    for (const [name, dims] of Object.entries(CUSTOM_METRICS)) {
      expect(emitted.get(name), name).toEqual([...dims].sort());
    }
  });

  it('given the DLQs of the stack and of an SQS hand-off target, when synthesized, then the dashboard graphs both', () => {
    expect(body).toContain('Stateful/DeadLetters');
    expect(body).toContain('HandoffTargets/CustomConsumers/DeadLetters');
  });
});

describe('alarms', () => {
  it('given SES reputation, when synthesized, then bounce rate ≥ 5% and complaint rate ≥ 0.1% alarm to the topic', () => {
    for (const [metricName, threshold] of [
      ['Reputation.BounceRate', THRESHOLDS.bounceRate],
      ['Reputation.ComplaintRate', THRESHOLDS.complaintRate],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SES',
        MetricName: metricName,
        Dimensions: Match.absent(),
        Statistic: 'Maximum',
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
        ...toTopic,
      });
    }
    expect(THRESHOLDS).toMatchObject({ bounceRate: 0.05, complaintRate: 0.001 });
  });

  it('given the sweeper, when synthesized, then no alarm reads its lag or invocations (billed every month): its lag is an event', () => {
    // Arrange
    const sweeperAlarms = alarms().filter((a) =>
      /SweeperLagSeconds|"Invocations"/.test(JSON.stringify(a.Properties)),
    );

    // Assert
    expect(sweeperAlarms).toEqual([]);
    expect(THRESHOLDS.sweeperLagSeconds).toBe(settings.app.monitoring.sweeperLag.thresholdSeconds);
    expect(THRESHOLDS.sweeperLagSeconds).toBe(600);
  });

  it('given a Sweeper Lagging event on the bus, when synthesized, then a rule e-mails it through the alarm topic with a readable message, dead-lettering what it cannot deliver', () => {
    // Arrange
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) =>
      JSON.stringify((r as Resource).Properties.EventPattern ?? {}).includes('leadloop.sweeper'),
    ) as Resource[];

    // Assert: one rule on the stack's bus, exactly this event, one target: the alarm topic.
    expect(rules).toHaveLength(1);
    const rule = rules[0]?.Properties ?? {};
    expect(rule.EventPattern).toEqual({ source: ['leadloop.sweeper'], 'detail-type': ['Sweeper Lagging'] });
    expect(rule.EventBusName).toEqual({ Ref: expect.stringMatching(/^StatefulBus/) });
    const targets = rule.Targets as {
      Arn: unknown;
      InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
      DeadLetterConfig: { Arn: unknown };
      RetryPolicy: Record<string, number>;
    }[];
    expect(targets).toHaveLength(1);
    expect(targets[0]?.Arn).toEqual({ Ref: topicId });
    expect(targets[0]?.DeadLetterConfig.Arn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^StatefulDeadLetters/), 'Arn'],
    });
    const { InputPathsMap, InputTemplate } = targets[0]?.InputTransformer ?? {
      InputPathsMap: {},
      InputTemplate: '',
    };
    for (const path of ['$.detail.lagSeconds', '$.detail.thresholdSeconds', '$.detail.oldestDueAt'])
      expect(Object.values(InputPathsMap)).toContain(path);
    expect(InputTemplate).toMatch(
      /^"Lead loop: the sweeper is lagging\. The oldest due timer .* waited <[^>]+> s/,
    );
    expect(InputTemplate).not.toContain('$.detail');
    // EventBridge may publish to the topic: the topic policy allows events.amazonaws.com.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('given the sweeper stops, when synthesized, then what the scheduler cannot invoke, and a run that fails or waits past the lag threshold, goes to the alarmed stack DLQ', () => {
    const stackDlq = { 'Fn::GetAtt': [Match.stringLikeRegexp('^StatefulDeadLetters'), 'Arn'] };
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: { DeadLetterConfig: { Arn: stackDlq }, RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^StatelessSweeper') },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 600,
      DestinationConfig: { OnFailure: { Destination: stackDlq } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StatefulDeadLetters'), 'QueueName'] },
        },
      ],
      ...toTopic,
    });
  });

  it('given a function a rule invokes, when a run fails for good, then the event goes to the alarmed stack DLQ, not into the void', () => {
    // Arrange: every Lambda function that some rule targets (the rule's DLQ covers delivery only).
    const rules = template.findResources('AWS::Events::Rule');
    const targeted = new Set<string>();
    for (const rule of Object.values(rules)) {
      for (const target of rule.Properties.Targets ?? []) {
        const arn = target.Arn?.['Fn::GetAtt'];
        if (Array.isArray(arn) && /^Stateless/.test(arn[0])) targeted.add(arn[0]);
      }
    }
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'));
    const stackDlq = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) =>
      id.startsWith('StatefulDeadLetters'),
    );

    // Assert: handoff, nurture-enroll, crm-sync, email-events and sales-actions-crm at least
    expect(targeted.size).toBeGreaterThanOrEqual(5);
    for (const fn of targeted) {
      const config = configs.find((c) => c.Properties.FunctionName?.Ref === fn);
      expect(config, fn).toBeDefined();
      expect(config?.Properties).toMatchObject({
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [stackDlq, 'Arn'] } } },
      });
    }
  });

  it('given the outbox stream, when the bus fails for hours, then its records are retried until 6 hours old (not 20 quick retries), then dead-lettered', () => {
    // Arrange
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    const stackDlq = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) =>
      id.startsWith('StatefulDeadLetters'),
    );

    // Assert: no retry count (infinite until the age), the age in seconds, the alarmed DLQ for what is skipped.
    expect(mappings).toHaveLength(1);
    const props = mappings[0]?.Properties;
    expect(props?.MaximumRetryAttempts).toBeUndefined();
    expect(props).toMatchObject({
      MaximumRecordAgeInSeconds: 6 * 3600,
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [stackDlq, 'Arn'] } } },
    });
  });

  it('given every function, when synthesized, then one alarm on the account-level Errors (any error in 5 minutes) covers them all', () => {
    // Arrange
    const errorAlarms = alarms().filter(
      (a) =>
        a.Properties.MetricName === 'Errors' ||
        JSON.stringify(a.Properties.Metrics ?? []).includes('"Errors"'),
    );

    // Assert: one metric, no per-function alarm (2 metrics each before: $0.20 per function a month).
    expect(errorAlarms).toHaveLength(1);
    expect(errorAlarms[0]?.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 300,
      Threshold: THRESHOLDS.functionErrors,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      ...toTopic,
    });
    expect(errorAlarms[0]?.Properties.Dimensions).toBeUndefined();
    expect(THRESHOLDS.functionErrors).toBe(1);
    // The dashboard still shows errors per function, to find the one that failed.
    for (const spec of FUNCTIONS) expect(body).toContain(`\\"label\\":\\"${spec.name}\\"`);
  });

  it('given the stack with one SQS hand-off target, when counted, then its alarms read 5 billed metrics and nothing else is billed monthly', () => {
    // Act
    const inventory = fixedInventory(template.toJSON());

    // Assert: errors 1, SES 2, DLQs 2 (the stack's and the target's); the sweeper's lag is an event. Before:
    // an error-rate alarm per function (2 metrics each), a FailedInvocations alarm per target rule, and a
    // sweeper-lag alarm over 2 metrics.
    expect(inventory).toEqual({
      alarms: 5,
      alarmMetrics: 5,
      compositeAlarms: 0,
      dashboards: 1,
      kmsKeys: 0,
      secrets: 0,
      customAlarmMetrics: [],
    });
  });

  it('given the DLQs that already have an alarm, when synthesized, then each has exactly one depth alarm', () => {
    // Arrange
    const depthAlarms = alarms().filter(
      (a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    const queues = depthAlarms.map((a) => JSON.stringify(a.Properties.Dimensions));

    // Assert: the stack's DLQ and the SQS target's DLQ, no duplicate.
    expect(depthAlarms).toHaveLength(2);
    expect(new Set(queues).size).toBe(2);
    for (const alarm of depthAlarms) expect(alarm.Properties).toMatchObject({ Threshold: 1, ...toTopic });
  });

  it('given a DLQ nobody alarms yet, when observed, then it gets a depth alarm to the topic', () => {
    // Arrange
    const orphanApp = testApp();
    const stack = new Stack(orphanApp, 'Orphan');
    const stateful = new Stateful(stack, 'Stateful', { settings });
    new Queue(stack, 'OrphanDeadLetters', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });

    // Act
    new Observability(stack, 'Observability', { stateful, functions: new Map() });
    const orphan = Template.fromStack(stack);

    // Assert
    const depthAlarms = Object.values(orphan.findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => (a as Resource).Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(depthAlarms).toHaveLength(2);
    orphan.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrphanDeadLetters'), 'QueueName'] },
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^StatefulAlarms') }],
    });
  });

  it('given every alarm in the stack, when synthesized, then each tells the operator what to do and notifies the topic', () => {
    for (const alarm of alarms()) {
      expect(String(alarm.Properties.AlarmDescription).length).toBeGreaterThan(40);
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('given an alarm e-mail in config/app.ts, when synthesized, then the topic e-mails it', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: ALARM_EMAIL,
      TopicArn: { Ref: topicId },
    });
  });
});

describe('the demo stack', () => {
  it('given the demo config (monitoring.dashboard off), when counted, then 4 alarm metrics, no dashboard, nothing else billed monthly', () => {
    // Arrange
    const demoApp = testApp();
    const demo = Template.fromStack(new LeadLoopStack(demoApp, 'leadloop-demo', { settings }));

    // Act
    const inventory = fixedInventory(demo.toJSON());

    // Assert: errors, bounce rate, complaint rate, the stack's DLQ; $0.40 a month at list price.
    expect(settings.app.monitoring.dashboard).toBe(false);
    expect(inventory).toEqual({
      alarms: 4,
      alarmMetrics: 4,
      compositeAlarms: 0,
      dashboards: 0,
      kmsKeys: 0,
      secrets: 0,
      customAlarmMetrics: [],
    });
    demo.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['leadloop.sweeper'], 'detail-type': ['Sweeper Lagging'] },
    });
  });
});

describe('cdk-nag', () => {
  it('given the AwsSolutions pack, when the stack with monitoring synthesizes, then there is no unacknowledged finding', () => {
    expect(() => app.synth()).not.toThrow();
  });
});
