import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { settings } from '#config/settings';
import { FUNCTIONS } from '#infra/catalog';
import { ALL_INDEXES } from '#store/table-design';
import { buildApp } from '../../infra/app.ts';
import { testApp } from '../support/cdk-app.ts';

let template: Template;
let app: App;

beforeAll(() => {
  // Skip esbuild bundling: these tests are about the resources, not the code assets.
  app = testApp();
  const built = buildApp(app);
  template = Template.fromStack(built.stack);
});

describe('stateful part', () => {
  it('given the table design, when synthesized, then the table has every index, a stream, TTL, PITR and protection', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: ALL_INDEXES.map((i) => Match.objectLike({ IndexName: i.name })),
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
      SSESpecification: Match.objectLike({ SSEEnabled: true }),
    });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
  });

  it('given the bus, when synthesized, then a custom bus with an archive that keeps events only as long as the retention config says', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.resourceCountIs('AWS::Events::Archive', 1);
    template.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: settings.app.retention.busArchiveDays,
    });
    expect(settings.app.retention.busArchiveDays).toBe(30);
  });

  it('given SES, when synthesized, then engagement goes to the default bus through the configuration set', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        MatchingEventTypes: Match.arrayWith(['DELIVERY', 'BOUNCE', 'COMPLAINT', 'OPEN', 'CLICK']),
        EventBridgeDestination: { EventBusArn: Match.anyValue() },
      }),
    });
  });
});

describe('stateless part', () => {
  it('given the catalog, when synthesized, then every function is ARM64 on the Node 24 runtime with its log group, traced as declared', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Architectures: ['arm64'], Runtime: 'nodejs24.x' },
    });
    expect(Object.keys(functions)).toHaveLength(FUNCTIONS.length);
    // Active tracing everywhere but the every-minute sweeper (43,200 traces a month on an idle stack).
    const active = template.findResources('AWS::Lambda::Function', {
      Properties: { TracingConfig: { Mode: 'Active' } },
    });
    expect(Object.keys(active)).toHaveLength(FUNCTIONS.filter((f) => f.tracing !== 'passThrough').length);
    expect(FUNCTIONS.filter((f) => f.tracing === 'passThrough').map((f) => f.name)).toEqual(['sweeper']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Runs due timers'),
      TracingConfig: { Mode: 'PassThrough' },
    });
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, FUNCTIONS.length + 1);
  });

  it('given the routes, when synthesized, then each catalog route exists and ops routes use the JWT authorizer', () => {
    for (const route of FUNCTIONS.flatMap((f) => f.routes)) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: route.auth === 'jwt' ? 'JWT' : 'NONE',
      });
    }
  });

  it('given the API, when synthesized, then the default stage is throttled and logs access', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('given a route with its own throttle, when synthesized, then the stage carries the route setting', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: { 'POST /v1/forms/{formId}': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 } },
    });
  });

  it('given the sweeper, when synthesized, then EventBridge Scheduler runs it every minute', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 minute)' });
  });

  it('given the outbox, when synthesized, then the stream mapping wakes the publisher only for outbox inserts', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      FilterCriteria: { Filters: [{ Pattern: Match.stringLikeRegexp('OUTBOX#') }] },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });
});

describe('cdk-nag', () => {
  it('given the AwsSolutions pack, when the app synthesizes, then there is no unacknowledged finding', () => {
    // Validation plugins run at synth; an unacknowledged finding makes synth throw.
    expect(() => app.synth()).not.toThrow();
  });
});
