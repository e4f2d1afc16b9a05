import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { CfnConfigurationSet, CfnConfigurationSetEventDestination } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Settings } from '#config/settings';
import { ALL_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '#store/table-design';
import { acknowledgeAlarmTopicEncryption, acknowledgeDeadLetterQueue } from './nag.ts';

/**
 * What holds data and must outlive any deployment: the lead table (retained, deletion-protected, PITR),
 * the custom bus with its archive, the SES configuration set and the dead-letter queue. The token signing
 * key is an item of the table (`#store/signing-key`): no Secrets Manager secret, no customer-managed KMS
 * key (each a fixed monthly charge on an idle stack; README → Cost).
 */
export class Stateful extends Construct {
  readonly table: TableV2;
  readonly bus: EventBus;
  readonly configurationSet: CfnConfigurationSet;
  readonly deadLetters: Queue;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: { settings: Settings }) {
    super(scope, id);
    const { app } = props.settings;
    const prefix = Stack.of(this).stackName;

    const attr = (type: 'S' | 'N') => (type === 'S' ? AttributeType.STRING : AttributeType.NUMBER);
    this.table = new TableV2(this, 'Table', {
      tableName: `${prefix}-leads`,
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.awsManagedKey(),
      dynamoStream: StreamViewType.NEW_IMAGE,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: ALL_INDEXES.map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partitionKey.name, type: attr(index.partitionKey.type) },
        sortKey: { name: index.sortKey.name, type: attr(index.sortKey.type) },
        projectionType: index.include.length ? ProjectionType.INCLUDE : ProjectionType.KEYS_ONLY,
        ...(index.include.length ? { nonKeyAttributes: [...index.include] } : {}),
      })),
    });

    this.bus = new EventBus(this, 'Bus', { eventBusName: `${prefix}-leads` });
    // An archive lets ops replay hand-offs to a CRM that was down. Its events hold personal data an erase
    // cannot reach, so it keeps them only as long as `retention.busArchiveDays` says (README → Privacy).
    this.bus.archive('Archive', {
      archiveName: `${prefix}-leads`,
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(app.retention.busArchiveDays),
    });

    this.configurationSet = new CfnConfigurationSet(this, 'ConfigurationSet', {
      name: `${prefix}`,
      deliveryOptions: { tlsPolicy: 'REQUIRE' },
      reputationOptions: { reputationMetricsEnabled: true },
      sendingOptions: { sendingEnabled: true },
      suppressionOptions: { suppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    // SES publishes engagement only to the default bus; a rule there routes it to email-events.
    new CfnConfigurationSetEventDestination(this, 'EngagementToEventBridge', {
      configurationSetName: this.configurationSet.ref,
      eventDestination: {
        name: 'eventbridge',
        enabled: true,
        matchingEventTypes: [
          'SEND',
          'DELIVERY',
          'BOUNCE',
          'COMPLAINT',
          'OPEN',
          'CLICK',
          'REJECT',
          'DELIVERY_DELAY',
        ],
        eventBridgeDestination: {
          eventBusArn: `arn:${Stack.of(this).partition}:events:${Stack.of(this).region}:${Stack.of(this).account}:event-bus/default`,
        },
      },
    });

    // SQS-managed encryption (SSE-SQS): EventBridge rules, the scheduler and Lambda on-failure destinations
    // can all write to it without a key policy, and it costs nothing (a customer-managed key is $1/month).
    this.deadLetters = new Queue(this, 'DeadLetters', {
      queueName: `${prefix}-dead-letters`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    acknowledgeDeadLetterQueue(this.deadLetters);

    this.alarmTopic = new Topic(this, 'Alarms', {
      topicName: `${prefix}-alarms`,
      enforceSSL: true,
    });
    acknowledgeAlarmTopicEncryption(this.alarmTopic);
    if (app.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(app.alarmEmail));
    new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: 'Events or outbox records could not be delivered: check the dead-letter queue',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(this.alarmTopic));
  }
}
