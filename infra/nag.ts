import { Aspects, type IAspect, Stack, Validations } from 'aws-cdk-lib';
import type { HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { Policy } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag (AwsSolutions) findings we accept, each attached to the one resource it concerns, with the
 * finding's own granularity (`IAM5[Resource::…]`, `IAM4[Policy::…]`): never stack-wide, so a new public
 * route, a new `*` resource or a new managed policy anywhere else is still reported and fails `cdk synth`.
 * Everything else is fixed in the constructs themselves.
 */
const acknowledge = (construct: IConstruct, finding: string, reason: string): void =>
  Validations.of(construct).acknowledge({ id: `AwsSolutions::AwsSolutions-${finding}`, reason });

/** The public routes, each named on purpose: a route missing here but public in the catalog is reported. */
export const PUBLIC_ROUTES: Readonly<Record<string, string>> = {
  'GET /v1/health': 'Liveness for load balancers and uptime checks: answers only ok/unavailable.',
  'POST /v1/forms/{formId}': 'Landing-page forms are posted by anonymous browsers.',
  'GET /v1/confirm': 'The double opt-in link opened from a mail client.',
  'POST /v1/confirm': 'The double opt-in button of that page.',
  'POST /v1/track': 'The tracking snippet runs in anonymous browsers.',
  'GET /v1/unsubscribe': 'The unsubscribe link opened from a mail client (RFC 8058, Japanese law).',
  'POST /v1/unsubscribe': 'RFC 8058 one-click unsubscribe, posted by mailbox providers.',
  'GET /v1/openapi.json': 'The API description for integrators: static, generated at cold start, no data.',
};

export const acknowledgePublicRoute = (route: HttpRoute, routeKey: string): void => {
  const reason = PUBLIC_ROUTES[routeKey];
  if (!reason) return; // not on the list: cdk-nag reports it (APIG4) until someone decides.
  acknowledge(
    route,
    'APIG4',
    `${reason} Public by nature; bounded, validated, throttled per route (and per client IP with the optional edge WAF).`,
  );
};

/** The Lambda basic execution role (its own log stream only) on one function's role. */
export const acknowledgeBasicExecutionRole = (role: IConstruct): void =>
  acknowledge(
    role,
    'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'The basic execution role only lets a function write its own logs.',
  );

/** `<table>/index/*`: the table's own indexes, on a function that reads them. */
export const acknowledgeTableIndexes = (policyScope: IConstruct, tableLogicalId: string): void =>
  acknowledge(
    policyScope,
    `IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
    "The function queries the table's own indexes (due, byStage, byTemperature); the wildcard covers only this table's indexes.",
  );

export const acknowledgeDeadLetterQueue = (queue: IConstruct): void =>
  acknowledge(
    queue,
    'SQS3',
    'This queue is the dead-letter queue of the rules, the schedule and the outbox stream; it has no DLQ of its own.',
  );

/** The alarm topic carries alarm names and states only; CloudWatch cannot publish to an aws/sns-encrypted topic. */
export const acknowledgeAlarmTopicEncryption = (topic: IConstruct): void =>
  acknowledge(
    topic,
    'SNS2',
    'Alarm notifications carry alarm names, states and thresholds, no personal data. CloudWatch cannot publish to a topic encrypted with the AWS-managed aws/sns key, and a customer-managed key costs $1 a month on an idle stack (README → Cost); TLS is enforced (SNS3).',
  );

/**
 * Actions that AWS offers on `Resource: *` only. A function policy whose `*` statements grant nothing but
 * these is acknowledged for `IAM5[Resource::*]`; any other action on `*` (or these in a policy added
 * later) keeps the finding. Checked when the app synthesizes, so statements added after construction count.
 */
const RESOURCE_STAR_ONLY = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  // The SES account-level suppression list has no resource ARN (email-events, when the option is on).
  'ses:PutSuppressedDestination',
]);

class WildcardOnlyWhereUnavoidable implements IAspect {
  constructor(private readonly functionRoles: ReadonlySet<IConstruct>) {}

  visit(node: IConstruct): void {
    if (!(node instanceof Policy) || !node.node.scope || !this.functionRoles.has(node.node.scope)) return;
    const document = Stack.of(node).resolve(node.document.toJSON()) as {
      Statement?: { Action?: string | string[]; Resource?: unknown }[];
    };
    const starActions = (document.Statement ?? [])
      .filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')))
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : s.Action ? [s.Action] : []));
    if (starActions.length && starActions.every((a) => RESOURCE_STAR_ONLY.has(a))) {
      acknowledge(
        node,
        'IAM5[Resource::*]',
        `Only ${[...new Set(starActions)].join(', ')} on "*": these actions support no resource scoping.`,
      );
    }
  }
}

/** Registers the check above for the roles of the stack's functions. */
export const acknowledgeUnscopableActions = (scope: IConstruct, functionRoles: ReadonlySet<IConstruct>) =>
  Aspects.of(scope).add(new WildcardOnlyWhereUnavoidable(functionRoles));

/**
 * The scheduler's role may invoke any version of the functions it targets (`<fn>.Arn:*`): the sweeper, and
 * the weekly digest when one is configured. Keyed by function name → logical id.
 */
export const acknowledgeSchedulerRoles = (stack: Stack, scheduled: ReadonlyMap<string, string>): void => {
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('SchedulerRoleForTarget-')) continue;
    for (const [name, logicalId] of scheduled)
      acknowledge(
        child,
        `IAM5[Resource::<${logicalId}.Arn>:*]`,
        `The scheduler may invoke any version of the ${name} function only.`,
      );
  }
};
