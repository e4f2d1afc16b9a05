import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';

/**
 * An App for assertions and cdk-nag, without bundling, that synthesizes into a directory removed by
 * `removeSynthOutput` (the infra tier's setup file calls it after each file; a script, at its exit).
 * An App given no `outdir` synthesizes into a fresh `cdk.out*` directory under the system's temp directory
 * and leaves it there: about 23 MB a synth here (the assets, with the AWS CLI layer of the console's
 * deployment), some 40 synths a test run, so every `npm test` left about 1 GB behind. (`CDK_OUTDIR` would
 * do the same but also turns on the App's synth at process exit.)
 */
export function testApp(props: AppProps = {}): App {
  return new App({
    outdir: mkdtempSync(join(root(), 'app-')),
    ...props,
    context: { 'aws:cdk:bundling-stacks': [], ...props.context },
  });
}

let made: string | undefined;

function root(): string {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'leadloop-synth-'));
  process.once('exit', removeSynthOutput);
  made = dir;
  return dir;
}

/** Removes what every `testApp` of this process synthesized (vitest's workers end without an exit event). */
export function removeSynthOutput(): void {
  if (made) rmSync(made, { recursive: true, force: true });
  made = undefined;
}

/**
 * The EventBridge Scheduler schedules of a template with this expression (`cron(30 8 ? * MON *)`), and the IAM
 * policies of the role of the function whose logical id starts with `functionId` (what it may do).
 */
export function scheduleAndGrants(template: Template, expression: string, functionId: string) {
  const schedules = Object.values(
    template.findResources('AWS::Scheduler::Schedule', { Properties: { ScheduleExpression: expression } }),
  );
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes(functionId),
  );
  return { schedules, grants: JSON.stringify(policies.map((p) => p.Properties.PolicyDocument)) };
}
