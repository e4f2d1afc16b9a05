import { type CfnElement, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Settings } from '#config/settings';
import { functionsFor } from './catalog.ts';
import { ConsoleSite } from './console-site.ts';
import { HandoffTargets } from './handoff-targets.ts';
import { Identity } from './identity.ts';
import { acknowledgeSchedulerRoles } from './nag.ts';
import { Observability } from './observability.ts';
import { Stateful } from './stateful.ts';
import { Stateless } from './stateless.ts';

export class LeadLoopStack extends Stack {
  readonly stateful: Stateful;
  readonly stateless: Stateless;
  readonly identity: Identity;
  readonly console: ConsoleSite;

  constructor(
    scope: Construct,
    id: string,
    props: StackProps & {
      settings: Settings /** The edge web ACL (us-east-1), when `app.edge` is on. */;
      webAclArn?: string;
    },
  ) {
    super(scope, id, props);
    const logRetention = props.settings.app.logRetentionDays as RetentionDays;
    this.stateful = new Stateful(this, 'Stateful', { settings: props.settings });
    this.identity = new Identity(this, 'Identity', { settings: props.settings });
    this.stateless = new Stateless(this, 'Stateless', {
      settings: props.settings,
      stateful: this.stateful,
      identity: this.identity,
      logRetention,
      ...(props.webAclArn ? { webAclArn: props.webAclArn } : {}),
    });
    new HandoffTargets(this, 'HandoffTargets', { settings: props.settings, stateful: this.stateful });
    new CfnOutput(this, 'ApiUrl', {
      value: this.stateless.api.apiEndpoint,
      description: 'Public API base URL',
    });
    if (this.stateless.edge) {
      new CfnOutput(this, 'PublicUrl', {
        value: `https://${this.stateless.edge.distribution.distributionDomainName}`,
        description:
          'Public routes behind CloudFront and the WAF rate limits (point forms and the snippet here)',
      });
    }
    this.console = new ConsoleSite(this, 'Console', { api: this.stateless.api, identity: this.identity });
    const consoleUrl = `https://${this.console.distribution.distributionDomainName}/`;
    new CfnOutput(this, 'ConsoleUrl', {
      value: consoleUrl,
      description: 'The web console (sign in with a Cognito user)',
    });
    // The owners' alert mails link to the lead in the console; an import's mail to its owner, to the call list.
    for (const name of ['owner-alerts', 'ops-imports'])
      this.stateless.functions.get(name)?.fn.addEnvironment('CONSOLE_URL', consoleUrl);
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'ConsoleClientId', { value: this.identity.consoleClient.userPoolClientId });
    new CfnOutput(this, 'MachineClientId', {
      value: this.identity.machineClient.userPoolClientId,
      description: 'Client credentials for CRM/scripts/CLI (secret in the Cognito console)',
    });
    new CfnOutput(this, 'TokenUrl', { value: this.identity.tokenUrl });
    new CfnOutput(this, 'EventBusName', { value: this.stateful.bus.eventBusName });
    new CfnOutput(this, 'TableName', { value: this.stateful.table.tableName });
    // Last: it graphs and alarms every dead-letter queue built above.
    new Observability(this, 'Observability', {
      stateful: this.stateful,
      functions: this.stateless.functions,
      dashboard: props.settings.app.monitoring.dashboard,
    });
    const scheduled = new Map(
      functionsFor(props.settings)
        .filter((f) => f.triggers.some((t) => t.kind === 'schedule'))
        .flatMap(({ name }) => {
          const fn = this.stateless.functions.get(name)?.fn;
          return fn ? [[name, this.getLogicalId(fn.node.defaultChild as CfnElement)] as const] : [];
        }),
    );
    acknowledgeSchedulerRoles(this, scheduled);
  }
}
