import { type CfnElement, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import type { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct, type IConstruct } from 'constructs';
import { corsOrigins, type Settings } from '#config/settings';
import { keys } from '#store/keys';
import {
  CORS,
  type EventPattern,
  type FunctionSpec,
  functionsFor,
  type Grants,
  TABLE_ACTIONS,
} from './catalog.ts';
import { EdgeDistribution } from './edge.ts';
import type { Identity } from './identity.ts';
import { LeadFunction } from './lead-function.ts';
import {
  acknowledgeBasicExecutionRole,
  acknowledgePublicRoute,
  acknowledgeTableIndexes,
  acknowledgeUnscopableActions,
} from './nag.ts';
import type { Stateful } from './stateful.ts';

/**
 * Everything that can be replaced freely: the HTTP API, the functions built from the catalog, their
 * routes, bus rules, the sweeper's schedule and the outbox stream mapping.
 */
export class Stateless extends Construct {
  readonly api: HttpApi;
  readonly functions = new Map<string, LeadFunction>();
  /** CloudFront + WAF in front of the API, when `app.edge` is on. */
  readonly edge?: EdgeDistribution;
  private readonly routes: HttpRoute[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: {
      settings: Settings;
      stateful: Stateful;
      identity: Identity;
      logRetention: RetentionDays;
      webAclArn?: string;
    },
  ) {
    super(scope, id);
    const { settings, stateful } = props;
    const stack = Stack.of(this);
    const functions = functionsFor(settings);

    this.api = new HttpApi(this, 'Api', {
      apiName: `${stack.stackName}-api`,
      description: 'Lead capture, tracking, unsubscribe and ops API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: corsOrigins(settings),
        allowMethods: CORS.methods.map((m) => CorsHttpMethod[m]),
        allowHeaders: [...CORS.headers],
        maxAge: Duration.seconds(CORS.maxAgeSeconds),
      },
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.app.api.throttle.rate, burstLimit: settings.app.api.throttle.burst },
    });
    (stage.node.defaultChild as CfnStage).accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    const routeThrottles = Object.fromEntries(
      functions
        .flatMap((f) => f.routes)
        .filter((r) => r.throttle)
        .map((r) => [
          `${r.method} ${r.path}`,
          // RouteSettings is a free-form map in CloudFormation: keys are written as the API expects them.
          { ThrottlingRateLimit: r.throttle?.rate, ThrottlingBurstLimit: r.throttle?.burst },
        ]),
    );
    if (Object.keys(routeThrottles).length)
      (stage.node.defaultChild as CfnStage).routeSettings = routeThrottles;
    if (props.webAclArn)
      this.edge = new EdgeDistribution(this, 'Edge', { api: this.api, webAclArn: props.webAclArn });
    // Links in mails (confirm, unsubscribe) go through the edge when there is one, so WAF counts them too.
    const publicBaseUrl = this.edge
      ? `https://${this.edge.distribution.distributionDomainName}`
      : stage.url.replace(/\/$/, '');

    const environment = {
      TABLE_NAME: stateful.table.tableName,
      EVENT_BUS_NAME: stateful.bus.eventBusName,
      SES_CONFIGURATION_SET: stateful.configurationSet.ref,
      PUBLIC_BASE_URL: publicBaseUrl,
    };
    const jwt = props.identity.authorizer;
    const sesIdentityArn = `arn:${stack.partition}:ses:${stack.region}:${stack.account}:identity/${settings.app.sender.sesIdentity}`;
    const configurationSetArn = `arn:${stack.partition}:ses:${stack.region}:${stack.account}:configuration-set/${stateful.configurationSet.ref}`;

    const functionRoles = new Set<IConstruct>();
    for (const spec of functions) {
      const lf = new LeadFunction(this, pascal(spec.name), {
        spec,
        environment,
        logRetention: props.logRetention,
        settings,
      });
      this.functions.set(spec.name, lf);
      grantDeclared(lf, spec.grants, { stateful, sesIdentityArn, configurationSetArn });
      if (lf.fn.role) {
        acknowledgeBasicExecutionRole(lf.fn.role);
        functionRoles.add(lf.fn.role);
      }
      this.wire(spec, lf, { jwt, stateful });
    }
    acknowledgeUnscopableActions(this, functionRoles);
    // The account-level suppression list has no resource ARN; only the engagement handler gets it, and only
    // when marketing ops turned the option on.
    if (settings.nurtureSettings.suppressInSesAccountList) {
      this.functions
        .get('email-events')
        ?.fn.addToRolePolicy(
          new PolicyStatement({ actions: ['ses:PutSuppressedDestination'], resources: ['*'] }),
        );
    }
    // Route-level throttles name routes by key: the stage must be deployed after them.
    for (const route of this.routes) stage.node.addDependency(route);
  }

  private wire(
    spec: FunctionSpec,
    lf: LeadFunction,
    ctx: { jwt: HttpJwtAuthorizer; stateful: Stateful },
  ): void {
    const fn = lf.fn;
    if (spec.routes.length) {
      const integration = new HttpLambdaIntegration(`${pascal(spec.name)}Integration`, fn);
      for (const route of spec.routes) {
        const added = this.api.addRoutes({
          path: route.path,
          methods: [HttpMethod[route.method]],
          integration,
          ...(route.auth === 'jwt' ? { authorizer: ctx.jwt } : {}),
        });
        if (route.auth === 'none') {
          for (const r of added) acknowledgePublicRoute(r, `${route.method} ${route.path}`);
        }
        this.routes.push(...added);
      }
    }
    for (const trigger of spec.triggers) {
      if (trigger.kind === 'rule') {
        const eventBus =
          trigger.bus === 'default'
            ? EventBus.fromEventBusName(this, `${trigger.name}DefaultBus`, 'default')
            : ctx.stateful.bus;
        new Rule(this, pascal(trigger.name), {
          ruleName: `${Stack.of(this).stackName}-${trigger.name}`,
          description: trigger.description,
          eventBus,
          eventPattern: toCdkPattern(trigger.pattern),
          // retryAttempts and the DLQ here cover only delivering the event to Lambda (throttled, no such
          // function). Once Lambda has taken it, a failed run is retried by Lambda's own async retries,
          // configured below.
          targets: [
            new LambdaFunction(fn, {
              deadLetterQueue: ctx.stateful.deadLetters,
              retryAttempts: 8,
              maxEventAge: Duration.hours(6),
            }),
          ],
        });
      } else if (trigger.kind === 'schedule' && 'cron' in trigger) {
        const { description, timeZone, ...fields } = trigger.cron;
        new Schedule(this, `${pascal(spec.name)}Schedule`, {
          description,
          schedule: ScheduleExpression.cron({ ...fields, timeZone: TimeZone.of(timeZone) }),
          // A weekly run has no next minute to retry it: the scheduler retries handing it to Lambda, then the DLQ.
          target: new LambdaInvoke(fn, {
            retryAttempts: 8,
            maxEventAge: Duration.hours(6),
            deadLetterQueue: ctx.stateful.deadLetters,
          }),
        });
        // A run that fails (its claim given back) is retried twice by Lambda, about 1 and 2 minutes later;
        // then the event goes to the alarmed DLQ (README → Weekly digest: send it again by hand).
        fn.configureAsyncInvoke({
          onFailure: new SqsDestination(ctx.stateful.deadLetters),
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
        });
      } else if (trigger.kind === 'schedule') {
        new Schedule(this, `${pascal(spec.name)}Schedule`, {
          description: `Runs ${spec.name} every ${trigger.everyMinutes} minute(s)`,
          schedule: ScheduleExpression.rate(Duration.minutes(trigger.everyMinutes)),
          target: new LambdaInvoke(fn, { retryAttempts: 0, deadLetterQueue: ctx.stateful.deadLetters }),
        });
        // The scheduler invokes asynchronously: its DLQ holds what it could not hand to Lambda; a run that
        // then fails, or waits over 10 minutes in Lambda's queue (throttled), lands in the same alarmed DLQ.
        // Not retried: the next scheduled run is the retry.
        fn.configureAsyncInvoke({
          onFailure: new SqsDestination(ctx.stateful.deadLetters),
          retryAttempts: 0,
          maxEventAge: Duration.minutes(10),
        });
      } else {
        fn.addEventSource(
          new DynamoEventSource(ctx.stateful.table, {
            startingPosition: StartingPosition.TRIM_HORIZON,
            batchSize: 25,
            bisectBatchOnError: true,
            reportBatchItemFailures: true,
            // A stream retries at once, without backoff: a count of retries (it was 20) is a few minutes of
            // an EventBridge outage, after which Lambda skips the records and the DLQ gets only their
            // sequence range, not the events: hand-offs and enrollments lost. So retry until the records are
            // OUTBOX_MAX_RECORD_AGE old (an outage that long still loses nothing); only then are they skipped,
            // the alarmed DLQ gets their range and time, and `leadloop outbox republish --since` puts the
            // events (kept 7 days in the outbox items) on the bus again. Also the most a record that can
            // never be published holds up the leads behind it on its shard.
            maxRecordAge: OUTBOX_MAX_RECORD_AGE,
            onFailure: new SqsDlq(ctx.stateful.deadLetters),
            // Only new outbox items wake the publisher; every other write costs nothing here.
            filters: [
              FilterCriteria.filter({
                eventName: FilterRule.isEqual('INSERT'),
                dynamodb: { NewImage: { sk: { S: FilterRule.beginsWith('OUTBOX#') } } },
              }),
            ],
          }),
        );
      }
    }
    // A rule invokes its function asynchronously: a run that throws (DynamoDB throttled, a conflict that
    // outlasted its retries, a timeout) is retried twice by Lambda (after about 1 and 2 minutes), and without
    // an on-failure destination the event would then be dropped silently: a hot lead never handed off, a
    // bounce never suppressed. It goes to the alarmed stack DLQ instead, with the event and the function
    // (README → Monitoring: redrive). Every such handler is idempotent on the event, so a redrive is safe.
    if (spec.triggers.some((t) => t.kind === 'rule')) {
      fn.configureAsyncInvoke({
        onFailure: new SqsDestination(ctx.stateful.deadLetters),
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
      });
    }
  }
}

/**
 * The function's IAM policy, derived only from its catalog declaration (`grants`): nothing is granted to
 * every function. The outbox stream's read actions come with its event source mapping.
 */
const grantDeclared = (
  lf: LeadFunction,
  grants: Grants,
  ctx: { stateful: Stateful; sesIdentityArn: string; configurationSetArn: string },
): void => {
  const { fn } = lf;
  const { table, bus } = ctx.stateful;
  const tableActions = TABLE_ACTIONS[grants.table];
  if (tableActions.length) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [...tableActions],
        // Indexes only from `read` up: the health probe reads one key of the table itself.
        resources:
          grants.table === 'probe' ? [table.tableArn] : [table.tableArn, `${table.tableArn}/index/*`],
      }),
    );
    if (grants.table !== 'probe') acknowledgeTableIndexes(fn.role ?? fn, logicalId(table));
  }
  if (grants.putEvents) bus.grantPutEventsTo(fn);
  // The signing key is an item of the table (`#store/signing-key`): the functions that sign or verify
  // tokens read (and the first one creates) it with their readWrite grant; every other function with table
  // access is denied its partition, so a reader of reports or call lists cannot read the key.
  if (!grants.signingSecret && tableActions.length) {
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: [...tableActions],
        resources: [table.tableArn],
        conditions: { 'ForAnyValue:StringEquals': { 'dynamodb:LeadingKeys': [SIGNING_KEY_PARTITION] } },
      }),
    );
  }
  if (grants.sendEmail) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [ctx.sesIdentityArn, ctx.configurationSetArn],
      }),
    );
  }
};

/** The partition of the signing key item, denied to functions without the `signingSecret` grant. */
/** How long the outbox stream retries a record before skipping it to the DLQ (see the publisher's source). */
export const OUTBOX_MAX_RECORD_AGE = Duration.hours(6);

const SIGNING_KEY_PARTITION = keys.signingKey().pk;

const logicalId = (construct: IConstruct): string =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

const pascal = (name: string): string => name.replace(/(^|[-_])(\w)/g, (_, __, c: string) => c.toUpperCase());

/** The catalog's pattern keys map one to one onto the CDK EventPattern's (detail-type → detailType). */
const toCdkPattern = (pattern: EventPattern) => {
  const { source, 'detail-type': detailType, detail, ...rest } = pattern as Record<string, unknown>;
  return {
    ...(source ? { source: source as string[] } : {}),
    ...(detailType ? { detailType: detailType as string[] } : {}),
    ...(detail ? { detail: detail as Record<string, unknown> } : {}),
    ...rest,
  };
};
