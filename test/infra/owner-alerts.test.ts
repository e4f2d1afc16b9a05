import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type Settings, settings } from '#config/settings';
import { buildApp } from '../../infra/app.ts';
import { scheduleAndGrants, testApp } from '../support/cdk-app.ts';

/** Owner alerts: a function, its rule for the configured events and the console's address; none when off. */

const synth = (s: Settings) => Template.fromStack(buildApp(testApp(), { settings: s }).stack);

describe('owner alert mails', () => {
  it('given the demo configuration, when synthesized, then a rule on the leads bus sends the four sales events to owner-alerts, which links to the console and may send mail', () => {
    // Act
    const template = synth(settings);

    // Assert
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['leadloop.leads'],
        'detail-type': ['Lead Handed Off', 'Lead Assigned', 'Lead SLA Breached', 'Lead Follow-up Due'],
      },
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StatelessOwnerAlerts'), 'Arn'] } }),
      ],
    });
    const [fn] = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('^Mails the owner') },
      }),
    );
    const consoleUrl = JSON.stringify(fn?.Properties.Environment.Variables.CONSOLE_URL);
    expect(consoleUrl).toContain('ConsoleDistribution');
    expect(consoleUrl).toContain('DomainName');
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('StatelessOwnerAlerts'),
    );
    expect(JSON.stringify(policies)).toContain('ses:SendEmail');
  });

  it('given the demo configuration, when synthesized, then the import function may send mail and links to the console (an import given to an owner mails them once)', () => {
    // Act
    const template = synth(settings);

    // Assert
    const [fn] = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('^Ops API: CSV import') },
      }),
    );
    expect(JSON.stringify(fn?.Properties.Environment.Variables.CONSOLE_URL)).toContain('ConsoleDistribution');
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('StatelessOpsImports'),
    );
    expect(JSON.stringify(policies)).toContain('ses:SendEmail');
  });

  it('given the demo’s morning list at 08:30, when synthesized, then a schedule runs owner-morning-list at 08:30 on the hand-off clocks’ weekdays in Tokyo, which may read, claim and send mail; none without it', () => {
    // Act
    const template = synth(settings);
    const { morningList: _, ...alerts } = settings.handoff.ownerAlerts;
    const without = synth({ ...settings, handoff: { ...settings.handoff, ownerAlerts: alerts } });

    // Assert
    const { schedules, grants } = scheduleAndGrants(
      template,
      'cron(30 8 ? * MON,TUE,WED,THU,FRI *)',
      'StatelessOwnerMorningList',
    );
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.Properties.ScheduleExpressionTimezone).toBe('Asia/Tokyo');
    expect(JSON.stringify(schedules[0]?.Properties.Target.Arn)).toContain('StatelessOwnerMorningList');
    expect(grants).toContain('ses:SendEmail');
    const functions = Object.keys(without.findResources('AWS::Lambda::Function'));
    expect(functions.some((id) => id.startsWith('StatelessOwnerMorningList'))).toBe(false);
    expect(functions.some((id) => id.startsWith('StatelessOwnerAlerts'))).toBe(true);
  });

  it('given ownerAlerts.events empty, when synthesized, then there is no owner-alerts function and no rule for it', () => {
    // Arrange
    const without: Settings = { ...settings, handoff: { ...settings.handoff, ownerAlerts: { events: [] } } };

    // Act
    const template = synth(without);

    // Assert
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    expect(functions.some((id) => id.startsWith('StatelessOwnerAlerts'))).toBe(false);
    const rules = Object.keys(template.findResources('AWS::Events::Rule'));
    expect(rules.some((id) => id.includes('MailOwners'))).toBe(false);
  });
});
