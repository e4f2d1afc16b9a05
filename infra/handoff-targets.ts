import { Duration, SecretValue, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  ApiDestination,
  Authorization,
  Connection,
  EventField,
  HttpMethod,
  HttpParameter,
  type IRuleTarget,
  Rule,
  RuleTargetInput,
} from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HandoffTarget } from '#config/handoff';
import type { Settings } from '#config/settings';
import type { DetailType } from '#domain/lead/events';
import { type HandoffTargetRuleSpec, handoffTargetRules, type SlaClock } from './catalog.ts';
import type { Stateful } from './stateful.ts';

/**
 * Where hand-off events go outside the product, as chosen in `config/handoff.ts` → `targets`: a rule on the
 * leads bus per target (from `handoffTargetRules`, the same list the local router logs) to
 * - `webhook`: an API destination POSTing the whole event, with an API key header from Secrets Manager and
 *   `x-leadloop-operation: upsert|delete` (`Lead Erased` is a delete: see `crmOperation`);
 * - `slack`: an incoming webhook (URL in Secrets Manager) with a message built by an input transformer;
 * - `salesforce`: the Lead record upserted by our lead id (external id field `LeadLoop_Id__c`), and deleted
 *   by it on `Lead Erased`, OAuth 2.0 client credentials of a connected app;
 * - `sqs`: an encrypted queue (SSL only, its own DLQ) for custom consumers.
 * Every target retries for up to 24 hours, then dead-letters to the stack's DLQ; an alarm fires on failed
 * invocations. Receivers de-duplicate on `detail.eventId`; the bus archive can replay a CRM outage.
 */
export class HandoffTargets extends Construct {
  readonly rules = new Map<string, Rule>();
  readonly queues = new Map<string, Queue>();

  constructor(scope: Construct, id: string, props: { settings: Settings; stateful: Stateful }) {
    super(scope, id);
    const { settings, stateful } = props;
    const specs = handoffTargetRules(settings.handoff.targets);
    for (const target of settings.handoff.targets) {
      const scopeOf = new Construct(this, pascal(target.name));
      const targetFor = this.targetFactory(scopeOf, target, settings, stateful);
      for (const spec of specs.filter((s) => s.target === target.name)) {
        const rule = new Rule(scopeOf, pascal(spec.name), {
          description: `Hand-off target ${target.name} (${target.kind}): ${spec.detailTypes.join(', ')}`,
          eventBus: stateful.bus,
          eventPattern: {
            source: spec.pattern.source as string[],
            detailType: [...spec.detailTypes],
            ...(spec.slaClock ? { detail: { clock: [spec.slaClock] } } : {}),
          },
          targets: [targetFor(spec)],
        });
        this.rules.set(spec.name, rule);
      }
    }
    // No alarm per rule: EventBridge counts an invocation in FailedInvocations only once it failed for good,
    // which is when it lands in the stack's dead-letter queue (every target rule has it, after 24 h of
    // retries), and that queue's depth alarm (infra/stateful.ts) fires then. An alarm per rule cost $0.10 a
    // month each for the same moment (README → Cost).
  }

  /** One connection/destination or queue per target, and a rule target per rule spec. */
  private targetFactory(
    scope: Construct,
    target: HandoffTarget,
    settings: Settings,
    stateful: Stateful,
  ): (spec: HandoffTargetRuleSpec) => IRuleTarget {
    const retry = {
      deadLetterQueue: stateful.deadLetters,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    };
    switch (target.kind) {
      case 'webhook': {
        const connection = new Connection(scope, 'Connection', {
          description: `Hand-off webhook ${target.name}`,
          authorization:
            target.apiKeyHeader && target.secretName
              ? Authorization.apiKey(target.apiKeyHeader, SecretValue.secretsManager(target.secretName))
              : // EventBridge connections always carry an authorization; an open webhook gets a harmless marker header.
                Authorization.apiKey('x-leadloop-source', SecretValue.unsafePlainText('leadloop')),
        });
        const destination = new ApiDestination(scope, 'Destination', {
          description: `Hand-off webhook ${target.name}`,
          connection,
          endpoint: target.url,
          httpMethod: HttpMethod.POST,
          rateLimitPerSecond: 10,
        });
        // An erasure reaches the webhook marked as a delete (the body is the Lead Erased event: id only).
        return (spec) =>
          new ApiDestinationTarget(destination, {
            ...retry,
            headerParameters: { 'x-leadloop-operation': spec.operation === 'delete' ? 'delete' : 'upsert' },
          });
      }
      case 'slack': {
        // The incoming-webhook URL is the credential, so it lives in Secrets Manager and reaches the
        // destination as a dynamic reference; Slack needs no header, the connection's is a marker.
        const connection = new Connection(scope, 'Connection', {
          description: `Slack incoming webhook ${target.name}`,
          authorization: Authorization.apiKey('x-leadloop-source', SecretValue.unsafePlainText('leadloop')),
        });
        const destination = new ApiDestination(scope, 'Destination', {
          description: `Slack incoming webhook ${target.name}`,
          connection,
          endpoint: SecretValue.secretsManager(target.webhookSecretName).unsafeUnwrap(),
          httpMethod: HttpMethod.POST,
          rateLimitPerSecond: 1,
        });
        return (spec) =>
          new ApiDestinationTarget(destination, {
            ...retry,
            event: slackMessage(spec.detailTypes[0] ?? 'Lead Handed Off', settings, spec.slaClock),
          });
      }
      case 'salesforce': {
        const connection = new Connection(scope, 'Connection', {
          description: `Salesforce ${target.instanceUrl} (OAuth client credentials)`,
          authorization: Authorization.oauth({
            authorizationEndpoint: target.oauth.tokenUrl ?? `${target.instanceUrl}/services/oauth2/token`,
            httpMethod: HttpMethod.POST,
            clientId: SecretValue.secretsManager(target.oauth.clientIdSecretName).unsafeUnwrap(),
            clientSecret: SecretValue.secretsManager(target.oauth.clientSecretSecretName),
            bodyParameters: { grant_type: HttpParameter.fromString('client_credentials') },
          }),
        });
        // Upsert by our lead id: a redelivered event updates the same Lead instead of creating a second one.
        const destination = new ApiDestination(scope, 'Destination', {
          description: `Salesforce Lead upsert ${target.name}`,
          connection,
          endpoint: `${target.instanceUrl}/services/data/${target.apiVersion}/sobjects/Lead/${SALESFORCE_EXTERNAL_ID_FIELD}/*`,
          httpMethod: HttpMethod.PATCH,
          rateLimitPerSecond: 5,
        });
        // Lead Erased deletes the Lead by the same external id (APPI/GDPR: the CRM's copy goes too).
        let eraser: ApiDestination | undefined;
        const deletion = () => {
          eraser ??= new ApiDestination(scope, 'DeleteDestination', {
            description: `Salesforce Lead delete ${target.name}`,
            connection,
            endpoint: `${target.instanceUrl}/services/data/${target.apiVersion}/sobjects/Lead/${SALESFORCE_EXTERNAL_ID_FIELD}/*`,
            httpMethod: HttpMethod.DELETE,
            rateLimitPerSecond: 5,
          });
          return eraser;
        };
        return (spec) =>
          spec.operation === 'delete'
            ? new ApiDestinationTarget(deletion(), {
                ...retry,
                pathParameterValues: ['$.detail.leadId'],
                event: RuleTargetInput.fromObject({}),
              })
            : new ApiDestinationTarget(destination, {
                ...retry,
                pathParameterValues: ['$.detail.leadId'],
                event:
                  spec.detailTypes[0] === 'Lead Assigned'
                    ? RuleTargetInput.fromObject({ OwnerId: EventField.fromPath('$.detail.owner.crmUserId') })
                    : RuleTargetInput.fromEventPath('$.detail.crm.record'),
              });
      }
      case 'sqs': {
        const deadLetters = new Queue(scope, 'DeadLetters', {
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: Duration.days(14),
          ...(target.fifo ? { fifo: true } : {}),
        });
        Validations.of(deadLetters).acknowledge({
          id: 'AwsSolutions::AwsSolutions-SQS3',
          reason: `Dead-letter queue of the ${target.name} hand-off queue; a DLQ has no DLQ of its own (an alarm watches it).`,
        });
        // SQS-managed encryption: EventBridge can send to it without a key policy (AWS-managed KMS keys cannot be shared).
        const queue = new Queue(scope, 'Queue', {
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: Duration.days(14),
          visibilityTimeout: Duration.minutes(5),
          deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
          ...(target.fifo ? { fifo: true, contentBasedDeduplication: true } : {}),
        });
        this.queues.set(target.name, queue);
        new Alarm(scope, 'DeadLettersAlarm', {
          alarmDescription: `Consumers of hand-off queue ${target.name} failed a message 5 times: check its DLQ`,
          metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }).addAlarmAction(new SnsAction(stateful.alarmTopic));
        // One group per lead would be ideal, but EventBridge takes a fixed group id: order is kept overall.
        return () => new SqsQueue(queue, { ...retry, ...(target.fifo ? { messageGroupId: 'leads' } : {}) });
      }
    }
  }
}

/** Salesforce custom field (External ID, unique) on Lead that holds our lead id. Create it in Salesforce. */
export const SALESFORCE_EXTERNAL_ID_FIELD = 'LeadLoop_Id__c';

/**
 * The Slack message for one detail-type. Name and company come from the CRM record only when the mapping
 * guarantees them (required fields with a fallback), so the transformer never refers to a missing path.
 */
export const slackMessage = (
  detailType: DetailType,
  settings: Settings,
  slaClock: SlaClock = 'accept',
): RuleTargetInput => {
  const lead = EventField.fromPath('$.detail.leadId');
  const owner = EventField.fromPath('$.detail.owner.name');
  switch (detailType) {
    case 'Lead Handed Off': {
      const field = (attribute: string): string | undefined => {
        const entry = Object.entries(settings.handoff.crm.mapping.fields).find(
          ([, spec]) => spec.source === `attribute:${attribute}` && spec.required,
        );
        return entry ? EventField.fromPath(`$.detail.crm.record.${entry[0]}`) : undefined;
      };
      const name = field('lastName');
      const company = field('company');
      const who = [company, name ? `${name} 様` : undefined].filter(Boolean).join(' ') || `リード ${lead}`;
      return RuleTargetInput.fromObject({
        text: `:fire: ホットリードを引き渡しました: ${who}（スコア ${EventField.fromPath('$.detail.score.total')}）担当 ${owner}、初回対応期限 ${EventField.fromPath('$.detail.slaDueAt')}`,
      });
    }
    case 'Lead SLA Breached':
      return RuleTargetInput.fromObject({
        text: `:warning: SLA超過: リード ${lead} の担当 ${owner} が期限 ${EventField.fromPath('$.detail.dueAt')} までに${slaClock === 'first_contact' ? '初回連絡をしていません' : '受け入れていません'}（対応: ${EventField.fromPath('$.detail.escalation.action')}）`,
      });
    case 'Lead Follow-up Due':
      return RuleTargetInput.fromObject({
        text: `:telephone_receiver: 次回連絡の時間です: リード ${lead}（担当 ${owner}、予定 ${EventField.fromPath('$.detail.dueAt')}）`,
      });
    case 'Lead Assigned':
      return RuleTargetInput.fromObject({
        text: `:bust_in_silhouette: リード ${lead} の担当者: ${owner}（${EventField.fromPath('$.detail.reason')}）`,
      });
    default:
      return RuleTargetInput.fromObject({ text: `${detailType}: リード ${lead}` });
  }
};

const pascal = (name: string): string => name.replace(/(^|[-_])(\w)/g, (_, __, c: string) => c.toUpperCase());
