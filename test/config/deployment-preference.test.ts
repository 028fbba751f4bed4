/** SAM `DeploymentPreference` in templates: types, hooks resolved to function names, Globals, and SAM's refusals. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEPLOYMENT_TYPES, deploymentType } from '../../src/config/deployment-preference.js';
import { loadTemplateText, removeTemplateDirs, samFunction, templateProblems } from '../helpers/template-text.js';

afterEach(removeTemplateDirs);

const hooked = (preference: string): string =>
  `Resources:\n${samFunction('Api', `      AutoPublishAlias: live\n      DeploymentPreference:\n${preference}`)}\n${samFunction('PreHook', '      FunctionName: CodeDeployHook_pre\n')}\n${samFunction('PostHook')}`;

describe('DeploymentPreference', () => {
  it('reads the type and resolves Ref hooks to the hook functions\' names', () => {
    const loaded = loadTemplateText(hooked('        Type: Canary10Percent5Minutes\n        Hooks:\n          PreTraffic: !Ref PreHook\n          PostTraffic: PostHook\n'));
    expect(loaded.functions.find((fn) => fn.name === 'Api')?.deployment).toEqual({ type: 'Canary10Percent5Minutes', preTraffic: 'CodeDeployHook_pre', postTraffic: 'PostHook', alarms: [] });
    expect(loaded.functions.find((fn) => fn.name === 'PostHook')?.deployment).toBeUndefined();
  });

  it('takes every predefined type, and CodeDeploy\'s own names for them', () => {
    expect(DEPLOYMENT_TYPES).toHaveLength(9);
    for (const type of DEPLOYMENT_TYPES) {
      expect(loadTemplateText(hooked(`        Type: ${type}\n`)).functions[0]?.deployment?.type).toBe(type);
      expect(deploymentType(`CodeDeployDefault.Lambda${type}`)).toBe(type);
    }
    expect(deploymentType('Canary10Percent1Minute')).toBeUndefined();
    expect(deploymentType('CodeDeployDefault.AllAtOnce')).toBeUndefined();
  });

  it('comes from Globals, and Enabled: false turns it off', () => {
    const globals = `Globals:\n  Function:\n    DeploymentPreference:\n      Type: Linear10PercentEvery1Minute\n`;
    const loaded = loadTemplateText(`${globals}Resources:\n${samFunction('On', '      AutoPublishAlias: live\n')}\n${samFunction('Off', '      AutoPublishAlias: live\n      DeploymentPreference:\n        Enabled: false\n')}`);
    expect(loaded.functions.map((fn) => [fn.name, fn.deployment?.type])).toEqual([['On', 'Linear10PercentEvery1Minute'], ['Off', undefined]]);
  });

  it('accepts Alarms and TriggerConfigurations with warnings (not evaluated)', () => {
    const loaded = loadTemplateText(hooked('        Type: AllAtOnce\n        Alarms: [!Ref ErrorsAlarm]\n        TriggerConfigurations: [{TriggerName: t}]\n'));
    expect(loaded.functions[0]?.deployment?.alarms).toHaveLength(1);
    expect(loaded.warnings.filter((w) => w.includes('DeploymentPreference')).map((w) => w.split(': ')[1])).toEqual(['property DeploymentPreference.Alarms', 'property DeploymentPreference.TriggerConfigurations']);
  });

  it('refuses what SAM refuses: no AutoPublishAlias, no Type, an unknown type, a hook that is not a function of the template', () => {
    expect(templateProblems(`Resources:\n${samFunction('Api', '      DeploymentPreference:\n        Type: AllAtOnce\n')}`)).toEqual([
      "Resource Api: property DeploymentPreference: 'AutoPublishAlias' property is required when 'DeploymentPreference' is set (SAM refuses it too)",
    ]);
    expect(templateProblems(hooked('        Enabled: true\n'))).toEqual(['Resource Api: property DeploymentPreference.Type: is required']);
    expect(templateProblems(hooked('        Type: Canary50Percent1Minute\n'))[0]).toMatch(/^Resource Api: property DeploymentPreference.Type: "Canary50Percent1Minute" is not one of the predefined types/);
    expect(templateProblems(hooked('        Type: AllAtOnce\n        Hooks:\n          PreTraffic: !Ref Missing\n          PostTraffic: !Ref Api\n'))).toEqual([
      'Resource Api: property DeploymentPreference.Hooks.PreTraffic: Missing is not a function of this template',
      'Resource Api: property DeploymentPreference.Hooks.PostTraffic: a function cannot be its own hook',
    ]);
  });
});
