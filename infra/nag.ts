import type { Stack } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';

/**
 * cdk-nag (AwsSolutions) findings we accept, each with its reason. Everything else is fixed in the
 * constructs themselves; a new finding fails `cdk synth`.
 */
export const acknowledgeFindings = (stack: Stack): void => {
  const ack = (id: string, reason: string) => Validations.of(stack).acknowledge({ id, reason });
  ack(
    'AwsSolutions::AwsSolutions-SQS3',
    'This queue is the dead-letter queue of the rules, the schedule and the outbox stream; it has no DLQ of its own.',
  );
  ack(
    'AwsSolutions::AwsSolutions-APIG4',
    'Landing-page forms, tracking, confirmation, unsubscribe and health are public by nature (browsers and mail clients call them); they are bounded, validated and throttled. /v1/ops/* routes use IAM authorization.',
  );
  ack(
    'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'The basic execution role only lets a function write its own logs.',
  );
  ack(
    'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    'X-Ray PutTraceSegments/PutTelemetryRecords support no resource scoping.',
  );
  ack(
    'AwsSolutions::AwsSolutions-IAM5[Resource::<StatefulTable67B3C231.Arn>/index/*]',
    "Functions query the table's own indexes (due, byStage, byTemperature); the wildcard covers only this table.",
  );
  ack(
    'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    'Granted by SqsDlq/Queue.grantSendMessages for the DLQ key only.',
  );
  ack(
    'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
    'Granted by SqsDlq/Queue.grantSendMessages for the DLQ key only.',
  );
  ack(
    'AwsSolutions::AwsSolutions-SMG4',
    'The signing key backs unsubscribe links already in inboxes, which must keep working (RFC 8058, Japanese law); it is rotated by hand with a grace period, not on a schedule.',
  );
  ack(
    'AwsSolutions::AwsSolutions-IAM5[Resource::<StatelessSweeperFunction90793C45.Arn>:*]',
    'The scheduler may invoke any version of the sweeper function only.',
  );
};
