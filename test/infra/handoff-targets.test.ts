import { type App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { type HandoffConfigInput, handoffConfigSchema } from '#config/handoff';
import { type Settings, settings } from '#config/settings';
import { eventRules, handoffTargetRules } from '#infra/catalog';
import { handoff as demoHandoff } from '../../config/handoff.ts';
import { HandoffTargets } from '../../infra/handoff-targets.ts';
import { Stateful } from '../../infra/stateful.ts';
import { testApp } from '../support/cdk-app.ts';

const ALL_KINDS: HandoffConfigInput['targets'] = [
  {
    kind: 'webhook',
    name: 'sales-inbox',
    url: 'https://hooks.example.co.jp/leadloop/handoff',
    apiKeyHeader: 'x-api-key',
    secretName: 'leadloop/sales-inbox-api-key',
  },
  { kind: 'slack', name: 'slack-sales', webhookSecretName: 'leadloop/slack-webhook' },
  {
    kind: 'salesforce',
    name: 'salesforce',
    instanceUrl: 'https://example.my.salesforce.com',
    oauth: {
      clientIdSecretName: 'leadloop/sf-client-id',
      clientSecretSecretName: 'leadloop/sf-client-secret',
    },
  },
  { kind: 'sqs', name: 'custom-consumers', events: ['Lead Handed Off', 'Lead Accepted'] },
];

const settingsWith = (targets: HandoffConfigInput['targets']): Settings => ({
  ...settings,
  handoff: handoffConfigSchema.parse({ ...demoHandoff, targets }),
});

let template: Template;
let app: App;

beforeAll(() => {
  app = testApp();
  const stack = new Stack(app, 'Targets');
  const custom = settingsWith(ALL_KINDS);
  const stateful = new Stateful(stack, 'Stateful', { settings: custom });
  new HandoffTargets(stack, 'HandoffTargets', { settings: custom, stateful });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  template = Template.fromStack(stack);
});

describe('hand-off targets in CDK', () => {
  it('given every kind of target, when synthesized, then each rule on the leads bus matches only its hand-off events', () => {
    // Arrange
    const specs = handoffTargetRules(settingsWith(ALL_KINDS).handoff.targets);

    // Assert: webhook 2 (its events; Lead Erased) + slack 5 (one per event, the SLA breach one per clock) +
    // salesforce 4 (Handed Off, Assigned, Updated, Erased) + sqs 1 (its events and Lead Erased, always: its
    // consumers keep copies).
    expect(specs).toHaveLength(12);
    template.resourceCountIs('AWS::Events::Rule', 12);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: {
        source: ['leadloop.leads'],
        'detail-type': ['Lead Handed Off', 'Lead Assigned', 'Lead SLA Breached', 'Lead Follow-up Due'],
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['leadloop.leads'],
        'detail-type': ['Lead Handed Off', 'Lead Accepted', 'Lead Erased'],
      },
    });
  });

  it('given the webhook target, when synthesized, then its connection sends the API key header from Secrets Manager', () => {
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        ApiKeyAuthParameters: {
          ApiKeyName: 'x-api-key',
          ApiKeyValue: Match.stringLikeRegexp('resolve:secretsmanager:leadloop/sales-inbox-api-key'),
        },
      },
    });
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: 'https://hooks.example.co.jp/leadloop/handoff',
      HttpMethod: 'POST',
    });
  });

  it('given the Slack target, when synthesized, then the webhook URL comes from Secrets Manager and a transformer builds the message', () => {
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: Match.stringLikeRegexp('resolve:secretsmanager:leadloop/slack-webhook'),
    });
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { 'detail-type': ['Lead Handed Off'] } },
    });
    const transformers = Object.values(rules).flatMap(
      (r) =>
        (
          r as {
            Properties: {
              Targets: { InputTransformer?: { InputTemplate: string; InputPathsMap: object } }[];
            };
          }
        ).Properties.Targets,
    );
    const slack = transformers.find((t) => t.InputTransformer?.InputTemplate.includes('ホットリード'));
    expect(slack?.InputTransformer?.InputPathsMap).toMatchObject({
      'detail-owner-name': '$.detail.owner.name',
      'detail-score-total': '$.detail.score.total',
      'detail-crm-record-LastName': '$.detail.crm.record.LastName',
      'detail-crm-record-Company': '$.detail.crm.record.Company',
    });
  });

  it('given the Slack target, when an SLA is breached, then the message says which clock was missed (accept or first contact)', () => {
    const messages = (['accept', 'first_contact'] as const).map((clock) => {
      const rules = template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { 'detail-type': ['Lead SLA Breached'], detail: { clock: [clock] } } },
      });
      const targets = Object.values(rules).flatMap(
        (r) =>
          (r as { Properties: { Targets: { InputTransformer?: { InputTemplate: string } }[] } }).Properties
            .Targets,
      );
      expect(targets.map((t) => t.InputTransformer?.InputTemplate)).toHaveLength(1);
      return targets[0]?.InputTransformer?.InputTemplate ?? '';
    });
    expect(messages[0]).toContain('受け入れていません');
    expect(messages[1]).toContain('初回連絡をしていません');
    expect(messages[1]).not.toContain('受け入れていません');
  });

  it('given the Slack target, when a planned call comes due, then the message names the lead, the owner and the planned time', () => {
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { 'detail-type': ['Lead Follow-up Due'] } },
    });
    const targets = Object.values(rules).flatMap(
      (r) =>
        (r as { Properties: { Targets: { InputTransformer?: { InputTemplate: string } }[] } }).Properties
          .Targets,
    );
    expect(targets).toHaveLength(1);
    const message = targets[0]?.InputTransformer?.InputTemplate ?? '';
    expect(message).toContain('次回連絡の時間です');
    expect(message).toMatch(/<detail-leadId>.*<detail-owner-name>.*<detail-dueAt>/);
  });

  it('given the Salesforce target, when synthesized, then OAuth client credentials and an upsert by lead id are used', () => {
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS',
      AuthParameters: {
        OAuthParameters: Match.objectLike({
          AuthorizationEndpoint: 'https://example.my.salesforce.com/services/oauth2/token',
          HttpMethod: 'POST',
          ClientParameters: {
            ClientID: Match.stringLikeRegexp('resolve:secretsmanager:leadloop/sf-client-id'),
            ClientSecret: Match.stringLikeRegexp('resolve:secretsmanager:leadloop/sf-client-secret'),
          },
        }),
      },
    });
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint:
        'https://example.my.salesforce.com/services/data/v61.0/sobjects/Lead/LeadLoop_Id__c/*',
      HttpMethod: 'PATCH',
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          InputPath: '$.detail.crm.record',
          HttpParameters: { PathParameterValues: ['$.detail.leadId'] },
        }),
      ],
    });
  });

  it('given the Salesforce target, when synthesized, then the coalesced Lead Updated is upserted by lead id with the CRM record', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['leadloop.leads'], 'detail-type': ['Lead Updated'] },
      Targets: [
        Match.objectLike({
          InputPath: '$.detail.crm.record',
          HttpParameters: { PathParameterValues: ['$.detail.leadId'] },
        }),
      ],
    });
  });

  it('given the demo webhook target, when its rules are read, then it receives Lead Updated to upsert on', () => {
    const [webhook] = handoffTargetRules(settings.handoff.targets).filter((r) => r.kind === 'webhook');
    expect(webhook?.detailTypes).toContain('Lead Updated');
  });

  it('given every target, when synthesized, then each retries for 24 h and dead-letters to the stack DLQ, with an alarm', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    for (const rule of rules) {
      const [target] = (rule as { Properties: { Targets: Record<string, unknown>[] } }).Properties.Targets;
      expect(target).toMatchObject({
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^StatefulDeadLetters/), 'Arn'] } },
      });
    }
    // A permanent failure is dead-lettered: the stack DLQ's depth alarm covers every rule, no alarm per rule.
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'FailedInvocations', Namespace: 'AWS/Events' },
      0,
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StatefulDeadLetters'), 'QueueName'] },
        },
      ],
      Threshold: 1,
    });
  });

  it('given Lead Erased, when synthesized, then Salesforce deletes the Lead by our external id and the webhook gets the event marked as a delete', () => {
    // Arrange
    const specs = handoffTargetRules(settingsWith(ALL_KINDS).handoff.targets);
    const erased = specs.filter((s) => s.detailTypes.includes('Lead Erased'));

    // Assert: the catalog says delete for the CRM targets; the queue gets the event with its others (its
    // consumers keep what the hand-offs carried); Slack never.
    expect(erased.map((s) => [s.target, s.operation, s.detailTypes])).toEqual([
      ['sales-inbox', 'delete', ['Lead Erased']],
      ['salesforce', 'delete', ['Lead Erased']],
      ['custom-consumers', 'notify', ['Lead Handed Off', 'Lead Accepted', 'Lead Erased']],
    ]);
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint:
        'https://example.my.salesforce.com/services/data/v61.0/sobjects/Lead/LeadLoop_Id__c/*',
      HttpMethod: 'DELETE',
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['leadloop.leads'], 'detail-type': ['Lead Erased'] },
      Targets: [
        Match.objectLike({ Input: '{}', HttpParameters: { PathParameterValues: ['$.detail.leadId'] } }),
      ],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['leadloop.leads'], 'detail-type': ['Lead Erased'] },
      Targets: [
        Match.objectLike({ HttpParameters: { HeaderParameters: { 'x-leadloop-operation': 'delete' } } }),
      ],
    });
  });

  it('given the SQS target, when synthesized, then the queue is encrypted, SSL-only and has its own DLQ', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('given the AwsSolutions pack, when the targets synthesize, then there is no unacknowledged finding', () => {
    expect(() => app.synth()).not.toThrow();
  });
});

describe('hand-off targets in the catalog', () => {
  it('given the demo config, when the local router reads eventRules, then the webhook is an external target it logs', () => {
    // Operations alerts (to the alarm topic) are external too; this test is about the hand-off targets.
    const external = eventRules().filter((r) => r.functionName === undefined && !r.alarmTopic);
    expect(external).toEqual([
      expect.objectContaining({
        name: 'handoff-sales-inbox',
        bus: 'leads',
        description: 'would POST to https://hooks.example.co.jp/leadloop/handoff',
      }),
      expect.objectContaining({
        name: 'handoff-sales-inbox-lead-erased',
        bus: 'leads',
        pattern: { source: ['leadloop.leads'], 'detail-type': ['Lead Erased'] },
      }),
    ]);
  });

  it('given the hot trigger, when the catalog is read, then the handoff function listens to temperature changes to hot', () => {
    const rule = eventRules().find((r) => r.functionName === 'handoff');
    expect(rule?.pattern).toEqual({
      source: ['leadloop.leads'],
      'detail-type': ['Lead Temperature Changed'],
      detail: { to: ['hot'] },
    });
  });
});
