/**
 * `Events: Schedule` and `ScheduleV2` of SAM functions (src/config/schedule-events.ts), through
 * the template loader: what a realistic template gives, and every validation message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplateText, removeTemplateDirs, samFunction, templateProblems } from '../helpers/template-text.js';

afterEach(removeTemplateDirs);

const TEMPLATE = `Parameters:
  Stage:
    Type: String
    Default: prod
Globals:
  Function:
    Timeout: 10
Resources:
${samFunction('Reports', `      AutoPublishAlias: live
      Events:
        Nightly:
          Type: Schedule
          Properties:
            Schedule: cron(0 2 * * ? *)
            Name: !Sub nightly-\${Stage}
            Description: Nightly report
            Input: '{"report":"daily"}'
        Hourly:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
            Enabled: false
        Paris:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 9 ? * MON-FRI *)
            ScheduleExpressionTimezone: Europe/Paris
            StartDate: '2026-02-01T00:00:00Z'
            EndDate: '2026-12-31T23:59:59+01:00'
            FlexibleTimeWindow:
              Mode: 'OFF'
            RetryPolicy:
              MaximumRetryAttempts: 3
              MaximumEventAgeInSeconds: 3600
            RoleArn: arn:aws:iam::123456789012:role/scheduler
        Once:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: at(2026-07-14T10:00:00)
            State: DISABLED
        Api:
          Type: HttpApi
          Properties:
            Path: /reports
            Method: get
`)}`;

describe('a realistic template', () => {
  it('gives one definition per schedule event, in order', () => {
    const loaded = loadTemplateText(TEMPLATE);
    expect(loaded.schedules.map((s) => [s.id, s.kind, s.name, s.enabled, s.expression.text])).toEqual([
      ['ReportsNightly', 'rule', 'nightly-prod', true, 'cron(0 2 * * ? *)'],
      ['ReportsHourly', 'rule', 'ReportsHourly', false, 'rate(1 hour)'],
      ['ReportsParis', 'scheduler', 'ReportsParis', true, 'cron(0 9 ? * MON-FRI *)'],
      ['ReportsOnce', 'scheduler', 'ReportsOnce', false, 'at(2026-07-14T10:00:00)'],
    ]);
    const [nightly, hourly, paris] = loaded.schedules;
    expect(nightly).toMatchObject({ functionName: 'Reports', qualifier: 'live', input: '{"report":"daily"}', description: 'Nightly report', timezone: 'UTC', retry: { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 } });
    expect(hourly?.expression).toEqual({ kind: 'rate', text: 'rate(1 hour)', periodMs: 3_600_000 });
    expect(paris).toMatchObject({
      timezone: 'Europe/Paris',
      startDate: Date.parse('2026-02-01T00:00:00Z'),
      endDate: Date.parse('2026-12-31T22:59:59Z'),
      retry: { maximumRetryAttempts: 3, maximumEventAgeSeconds: 3600 },
      input: undefined,
    });
    expect(paris?.flexibleWindowMinutes).toBeUndefined();
    expect(loaded.warnings).toEqual(['Resource Reports: property Events.Paris.RoleArn: ignored: it matters only in AWS']);
    expect(loaded.apis).toHaveLength(1);
  });

  it('FLEXIBLE windows are accepted with a warning; a function without AutoPublishAlias is invoked unqualified', () => {
    const loaded = loadTemplateText(`Resources:
${samFunction('Fn', `      Events:
        Tick:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(5 minutes)
            FlexibleTimeWindow: { Mode: FLEXIBLE, MaximumWindowInMinutes: 15 }
`)}`);
    expect(loaded.schedules[0]).toMatchObject({ qualifier: undefined, flexibleWindowMinutes: 15 });
    expect(loaded.warnings).toEqual(['Resource Fn: property Events.Tick.FlexibleTimeWindow: FLEXIBLE: Lamina fires at the start of each 15-minute window, not at a random time within it']);
  });

  it('a template without schedules has none', () => {
    expect(loadTemplateText(`Resources:\n${samFunction('Fn')}`).schedules).toEqual([]);
  });
});

/** The problems of one event of `type` with `props` (YAML, 12 spaces in). */
function problemsOf(type: string, props: string): string[] {
  return templateProblems(`Resources:
${samFunction('Fn', `      Events:
        Tick:
          Type: ${type}
          Properties:
${props}`)}`);
}

const P = 'Resource Fn: property Events.Tick.';

describe('every validation message', () => {
  it.each([
    ['Schedule', '            Enabled: true\n', `${P}Schedule: is required`],
    ['ScheduleV2', '            State: ENABLED\n', `${P}ScheduleExpression: is required`],
    ['Schedule', '            Schedule: rate(1 minutes)\n', `${P}Schedule: rate(1 minutes): with a value of 1 the unit is singular (minute), not minutes`],
    ['Schedule', '            Schedule: cron(0 10 * * * *)\n', `${P}Schedule: cron(0 10 * * * *): exactly one of Day-of-month (*) and Day-of-week (*) must be ?`],
    ['Schedule', '            Schedule: at(2026-01-01T00:00:00)\n', `${P}Schedule: at(2026-01-01T00:00:00): one-time at(...) schedules exist only in EventBridge Scheduler (ScheduleV2)`],
    ['Schedule', '            Schedule: 5\n', `${P}Schedule: 5 is not a string`],
    ['ScheduleV2', '            ScheduleExpression: cron(0 61 * * ? *)\n', `${P}ScheduleExpression: cron(0 61 * * ? *): cron field Hours: 61 is outside 0-23`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            ScheduleExpressionTimezone: Mars/Olympus\n', `${P}ScheduleExpressionTimezone: "Mars/Olympus" is not an IANA time zone name (such as Europe/Paris)`],
    ['Schedule', '            Schedule: rate(1 day)\n            Timezone: UTC\n', `${P}Timezone: unknown property of a Schedule event (Schedule, Input, Enabled, State, Name, Description, RetryPolicy, RoleArn, DeadLetterConfig)`],
    ['Schedule', '            Schedule: rate(1 day)\n            StartDate: "2026-01-01T00:00:00Z"\n', `${P}StartDate: unknown property of a Schedule event`],
    ['Schedule', '            Schedule: rate(1 day)\n            Name: "has space"\n', `${P}Name: "has space" must be 1-64 letters, digits, dots, hyphens or underscores`],
    ['Schedule', `            Schedule: rate(1 day)\n            Name: ${'n'.repeat(65)}\n`, `${P}Name: "${'n'.repeat(65)}" must be 1-64`],
    ['Schedule', `            Schedule: rate(1 day)\n            Description: ${'d'.repeat(513)}\n`, `${P}Description: 513 characters: at most 512`],
    ['Schedule', "            Schedule: rate(1 day)\n            Input: '{not json'\n", `${P}Input: is not valid JSON (a Lambda target needs JSON text)`],
    ['Schedule', `            Schedule: rate(1 day)\n            Input: '"${'x'.repeat(8191)}"'\n`, `${P}Input: 8193 characters: at most 8192`],
    ['Schedule', '            Schedule: rate(1 day)\n            Input: { a: 1 }\n', `${P}Input: {"a":1} is not a string`],
    ['Schedule', '            Schedule: rate(1 day)\n            Enabled: maybe\n', `${P}Enabled: "maybe" is not true or false`],
    ['Schedule', '            Schedule: rate(1 day)\n            State: PAUSED\n', `${P}State: "PAUSED" is not ENABLED or DISABLED`],
    ['Schedule', '            Schedule: rate(1 day)\n            State: ENABLED\n            Enabled: true\n', `${P}State: Enabled and State cannot both be set (SAM refuses it)`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            Enabled: true\n', `${P}Enabled: unknown property of a ScheduleV2 event`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            StartDate: tomorrow\n', `${P}StartDate: "tomorrow" is not an ISO 8601 date and time with a zone (2026-01-01T00:00:00Z)`],
    ['ScheduleV2', "            ScheduleExpression: rate(1 day)\n            EndDate: '2026-02-30T00:00:00Z'\n", `${P}EndDate: "2026-02-30T00:00:00Z" is not an ISO 8601 date`],
    ['ScheduleV2', "            ScheduleExpression: rate(1 day)\n            StartDate: '2026-02-01T00:00:00Z'\n            EndDate: '2026-01-01T00:00:00Z'\n", `${P}EndDate: must be after StartDate`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            FlexibleTimeWindow: OFF\n', `${P}FlexibleTimeWindow: "OFF" is not a map with Mode`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            FlexibleTimeWindow: { Mode: SOMETIMES }\n', `${P}FlexibleTimeWindow.Mode: "SOMETIMES" is not OFF or FLEXIBLE`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            FlexibleTimeWindow: { Mode: FLEXIBLE }\n', `${P}FlexibleTimeWindow.MaximumWindowInMinutes: is required when Mode is FLEXIBLE`],
    ['ScheduleV2', "            ScheduleExpression: rate(1 day)\n            FlexibleTimeWindow: { Mode: 'OFF', MaximumWindowInMinutes: 5 }\n", `${P}FlexibleTimeWindow.MaximumWindowInMinutes: is allowed only when Mode is FLEXIBLE`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            FlexibleTimeWindow: { Mode: FLEXIBLE, MaximumWindowInMinutes: 1441 }\n', `${P}FlexibleTimeWindow.MaximumWindowInMinutes: 1441 is outside 1-1440 minutes`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            RetryPolicy: 3\n', `${P}RetryPolicy: 3 is not a map`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            RetryPolicy: { MaximumRetryAttempts: 186 }\n', `${P}RetryPolicy.MaximumRetryAttempts: 186 is outside 0-185`],
    ['Schedule', '            Schedule: rate(1 day)\n            RetryPolicy: { MaximumRetryAttempts: -1 }\n', `${P}RetryPolicy.MaximumRetryAttempts: -1 is outside 0-185`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            RetryPolicy: { MaximumEventAgeInSeconds: 59 }\n', `${P}RetryPolicy.MaximumEventAgeInSeconds: 59 is outside 60-86400 seconds`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            RetryPolicy: { MaximumEventAgeInSeconds: 86401 }\n', `${P}RetryPolicy.MaximumEventAgeInSeconds: 86401 is outside 60-86400 seconds`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            RetryPolicy: { MaximumEventAgeInSeconds: 1.5 }\n', `${P}RetryPolicy.MaximumEventAgeInSeconds: 1.5 is not an integer`],
    ['ScheduleV2', '            ScheduleExpression: rate(1 day)\n            RetryPolicy: { Attempts: 1 }\n', `${P}RetryPolicy.Attempts: unknown property (MaximumRetryAttempts, MaximumEventAgeInSeconds)`],
    ['ScheduleV2', '            ScheduleExpression: !Ref Missing\n', `${P}ScheduleExpression: cannot resolve Ref Missing: Ref Missing: no parameter or resource has this name`],
  ])('%s %#: %s', (type, props, message) => {
    const problems = problemsOf(type, props);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
    expect(problems.every((p) => p.startsWith(P))).toBe(true);
  });

  it('Properties that are not a map', () => {
    expect(templateProblems(`Resources:\n${samFunction('Fn', '      Events:\n        Tick:\n          Type: Schedule\n          Properties: every day\n')}`)).toEqual([`${P}Properties: "every day" is not a map`]);
  });

  it('reports several problems of several events at once', () => {
    const problems = templateProblems(`Resources:
${samFunction('Fn', `      Events:
        A:
          Type: Schedule
          Properties: { Schedule: rate(0 minutes), State: OFF }
        B:
          Type: ScheduleV2
          Properties: { ScheduleExpression: 'cron(0 0 ? * 3#9 *)', ScheduleExpressionTimezone: Nowhere }
`)}`);
    expect(problems).toEqual([
      'Resource Fn: property Events.A.Schedule: rate(0 minutes): the value "0" is not a positive integer',
      'Resource Fn: property Events.A.State: "OFF" is not ENABLED or DISABLED',
      'Resource Fn: property Events.B.ScheduleExpression: cron(0 0 ? * 3#9 *): cron field Day-of-week: "3#9": the instance after # must be 1-5',
      'Resource Fn: property Events.B.ScheduleExpressionTimezone: "Nowhere" is not an IANA time zone name (such as Europe/Paris)',
    ]);
  });
});

describe('AWS::Scheduler::Schedule resources with a function target', () => {
  const scheduleResource = (props: string): string => `Resources:
${samFunction('Fn', '      AutoPublishAlias: live\n')}
  Nightly:
    Type: AWS::Scheduler::Schedule
    Properties:
${props}`;

  it('reads them as ScheduleV2 schedules, with Input and RetryPolicy from the Target', () => {
    const loaded = loadTemplateText(scheduleResource(`      Name: nightly
      ScheduleExpression: cron(0 2 * * ? *)
      ScheduleExpressionTimezone: Europe/Paris
      FlexibleTimeWindow: { Mode: 'OFF' }
      GroupName: default
      Target:
        Arn: !Sub '\${Fn.Arn}:live'
        RoleArn: arn:aws:iam::123456789012:role/scheduler
        Input: '{"report":"nightly"}'
        RetryPolicy: { MaximumRetryAttempts: 2 }
`));
    expect(loaded.schedules).toEqual([expect.objectContaining({ id: 'Nightly', kind: 'scheduler', name: 'nightly', functionName: 'Fn', qualifier: 'live', timezone: 'Europe/Paris', input: '{"report":"nightly"}', retry: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 86_400 } })]);
    expect(loaded.warnings).toEqual(['Resource Nightly: property Target.RoleArn: ignored: it matters only in AWS', 'Resource Nightly: property GroupName: ignored: it matters only in AWS']);
  });

  it('skips a schedule of another kind of target, with a warning', () => {
    const loaded = loadTemplateText(scheduleResource("      ScheduleExpression: rate(1 day)\n      FlexibleTimeWindow: { Mode: 'OFF' }\n      Target: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:q', RoleArn: r }\n"));
    expect(loaded.schedules).toEqual([]);
    expect(loaded.warnings).toContain("Resource Nightly: property Target.Arn: is not a Lambda function: Lamina runs only schedules of this template's functions; this one is skipped");
  });

  it.each([
    ["      ScheduleExpression: rate(1 day)\n      FlexibleTimeWindow: { Mode: 'OFF' }\n", 'Resource Nightly: property Target: is required'],
    ['      ScheduleExpression: rate(1 day)\n      Target: { Arn: !GetAtt Fn.Arn }\n', 'Resource Nightly: property FlexibleTimeWindow: is required'],
    ["      FlexibleTimeWindow: { Mode: 'OFF' }\n      Target: { Arn: !GetAtt Fn.Arn }\n", 'Resource Nightly: property ScheduleExpression: is required'],
    ["      ScheduleExpression: rate(1 days)\n      FlexibleTimeWindow: { Mode: 'OFF' }\n      Target: { Arn: !GetAtt Fn.Arn }\n", 'Resource Nightly: property ScheduleExpression: rate(1 days)'],
    ["      ScheduleExpression: rate(1 day)\n      FlexibleTimeWindow: { Mode: 'OFF' }\n      Target: { Arn: !GetAtt Fn.Arn, Input: '{bad' }\n", 'Resource Nightly: property Target.Input: is not valid JSON'],
    ["      ScheduleExpression: rate(1 day)\n      FlexibleTimeWindow: { Mode: 'OFF' }\n      Target: { Arn: !GetAtt Fn.Arn, RetryPolicy: { MaximumRetryAttempts: 200 } }\n", 'Resource Nightly: property Target.RetryPolicy.MaximumRetryAttempts: 200 is outside 0-185'],
    ["      ScheduleExpression: rate(1 day)\n      FlexibleTimeWindow: { Mode: 'OFF' }\n      Target: { Arn: 'arn:aws:lambda:eu-west-1:123456789012:function:Fn:beta' }\n", 'Resource Nightly: property Target.Arn: names unknown alias beta of function Fn'],
    ["      ScheduleExpression: rate(1 day)\n      FlexibleTimeWindow: { Mode: 'OFF' }\n      Target: { Arn: !GetAtt Fn.Arn }\n      Schedule: x\n", 'Resource Nightly: property Schedule: unknown property of AWS::Scheduler::Schedule'],
  ])('%#: %s', (props, message) => {
    const problems = templateProblems(scheduleResource(props));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});
