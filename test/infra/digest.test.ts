import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type Settings, settings } from '#config/settings';
import { buildApp } from '../../infra/app.ts';
import { scheduleAndGrants, testApp } from '../support/cdk-app.ts';

/** The weekly digest's schedule: a cron in the app's time zone when `reports.digest` is set, none without. */

const synth = (s: Settings) => Template.fromStack(buildApp(testApp(), { settings: s }).stack);

describe('weekly digest schedule', () => {
  it('given a digest on Monday 09:00, when synthesized, then EventBridge Scheduler runs report-digest by cron in Asia/Tokyo, with retries and the DLQ', () => {
    // Arrange
    expect(settings.reports.digest).toMatchObject({ weekday: 'monday', time: '09:00' });

    // Act
    const template = synth(settings);

    // Assert
    const schedules = template.findResources('AWS::Scheduler::Schedule', {
      Properties: { ScheduleExpression: 'cron(0 9 ? * MON *)' },
    });
    expect(Object.values(schedules)).toHaveLength(1);
    const [schedule] = Object.values(schedules);
    expect(schedule?.Properties.ScheduleExpressionTimezone).toBe('Asia/Tokyo');
    expect(JSON.stringify(schedule?.Properties.Target.Arn)).toContain('StatelessReportDigestFunction');
    expect(schedule?.Properties.Target.DeadLetterConfig).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^StatelessReportDigestFunction') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: Match.objectLike({}) },
    });
  });

  it('given no digest in config, when synthesized, then there is no digest schedule and no digest function', () => {
    // Arrange
    const { digest: _, ...reports } = settings.reports;
    const without: Settings = { ...settings, reports };

    // Act
    const template = synth(without);

    // Assert
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    expect(schedules.map((s) => s.Properties.ScheduleExpression)).not.toContain('cron(0 9 ? * MON *)');
    expect(schedules.map((s) => s.Properties.ScheduleExpression)).toContain('rate(1 minute)');
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    expect(functions.some((id) => id.startsWith('StatelessReportDigest'))).toBe(false);
  });
});

describe("gauges' nightly fold schedule", () => {
  it('given any config, when synthesized, then EventBridge Scheduler runs report-fold every night at 03:30 UTC, with retries and the DLQ, and the function may read and write the table', () => {
    // Act
    const template = synth(settings);

    // Assert
    const { schedules, grants } = scheduleAndGrants(template, 'cron(30 3 ? * * *)', 'StatelessReportFold');
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.Properties.ScheduleExpressionTimezone).toBe('UTC');
    expect(JSON.stringify(schedules[0]?.Properties.Target.Arn)).toContain('StatelessReportFoldFunction');
    expect(schedules[0]?.Properties.Target.DeadLetterConfig).toBeDefined();
    expect(grants).toContain('dynamodb:UpdateItem');
    expect(grants).toContain('dynamodb:Query');
  });
});
