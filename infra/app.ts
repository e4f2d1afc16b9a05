import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { settings } from '#config/settings';
import { LeadLoopStack } from './stack.ts';

/**
 * `npx cdk synth` / `npx cdk deploy`. Importing the settings validates every file under config/ first:
 * a wrong value stops the synth with a message that names the field. The stack is environment-agnostic
 * unless CDK_DEFAULT_ACCOUNT/REGION are set, so synth needs no credentials.
 */
export const buildApp = (app = new App()): { app: App; stack: LeadLoopStack } => {
  const stack = new LeadLoopStack(app, `leadloop-${settings.app.stage}`, {
    settings,
    description: 'Lead loop: serverless B2B marketing automation (capture, scoring, nurture, hand-off)',
    ...(process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
      : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
};

if (process.argv[1]?.endsWith('infra/app.ts')) buildApp();
