import { App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { settings as configured, type Settings } from '#config/settings';
import { EDGE_REGION, EdgeWafStack } from './edge.ts';
import { LeadLoopStack } from './stack.ts';

const defaultEnv = (): Environment | undefined =>
  process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
    ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
    : undefined;

/**
 * `npx cdk synth` / `npx cdk deploy`. Importing the settings validates every file under config/ first:
 * a wrong value stops the synth with a message that names the field. The stack is environment-agnostic
 * unless CDK_DEFAULT_ACCOUNT/REGION are set, so synth needs no credentials.
 *
 * With `app.edge.enabled`, a second small stack (`leadloop-<stage>-edge`) holds the WAF web ACL in
 * us-east-1 (the only region CloudFront-scoped ACLs exist in); its ARN reaches the main stack's
 * distribution through CDK's cross-region references (an SSM parameter written in the main region), so
 * both stacks need a concrete account and region and `cdk deploy --all` deploys the edge stack first.
 */
export const buildApp = (
  app = new App(),
  options: { settings?: Settings; env?: Environment } = {},
): { app: App; stack: LeadLoopStack; edge?: EdgeWafStack } => {
  const settings = options.settings ?? configured;
  const env = options.env ?? defaultEnv();
  let edge: EdgeWafStack | undefined;
  if (settings.app.edge.enabled) {
    if (!env?.account || !env.region) {
      throw new Error(
        'app.edge.enabled: the edge WAF lives in us-east-1 and is referenced across regions, so the account and region must be known: set CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION (cdk deploy does it from your credentials)',
      );
    }
    edge = new EdgeWafStack(app, `leadloop-${settings.app.stage}-edge`, {
      settings,
      env: { account: env.account, region: EDGE_REGION },
      crossRegionReferences: true,
      description: 'Lead loop: WAF web ACL (CloudFront scope) with per-client-IP rate limits',
    });
  }
  const stack = new LeadLoopStack(app, `leadloop-${settings.app.stage}`, {
    settings,
    description: 'Lead loop: serverless B2B marketing automation (capture, scoring, nurture, hand-off)',
    ...(env ? { env } : {}),
    ...(edge ? { crossRegionReferences: true, webAclArn: edge.webAclArn } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, ...(edge ? { edge } : {}) };
};

if (process.argv[1]?.endsWith('infra/app.ts')) buildApp();
