/** X-Ray tracing on a function: SAM's `Tracing` (also from `Globals`) and `TracingConfig.Mode` (docs/xray.md). */
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplateText, removeTemplateDirs } from '../helpers/template-text.js';

afterEach(removeTemplateDirs);

function fn(extra: string, type = 'AWS::Serverless::Function', globals = ''): string {
  const code = type === 'AWS::Serverless::Function' ? '      CodeUri: .\n' : '      Code: .\n';
  return `${globals}Resources:\n  Fn:\n    Type: ${type}\n    Properties:\n      Runtime: nodejs22.x\n      Handler: index.handler\n${code}${extra}`;
}

describe('Tracing', () => {
  it('is PassThrough (undefined) by default and Active when asked', () => {
    expect(loadTemplateText(fn('')).functions[0]?.tracing).toBeUndefined();
    expect(loadTemplateText(fn('      Tracing: PassThrough\n')).functions[0]?.tracing).toBeUndefined();
    expect(loadTemplateText(fn('      Tracing: Active\n')).functions[0]?.tracing).toBe('Active');
    expect(loadTemplateText(fn('      TracingConfig:\n        Mode: Active\n')).functions[0]?.tracing).toBe('Active');
  });

  it('comes from Globals, and a function\'s own setting wins', () => {
    const globals = 'Globals:\n  Function:\n    Tracing: Active\n';
    expect(loadTemplateText(fn('', 'AWS::Serverless::Function', globals)).functions[0]?.tracing).toBe('Active');
    expect(loadTemplateText(fn('      Tracing: PassThrough\n', 'AWS::Serverless::Function', globals)).functions[0]?.tracing).toBeUndefined();
  });

  it('reads TracingConfig.Mode on AWS::Lambda::Function', () => {
    expect(loadTemplateText(fn('      TracingConfig:\n        Mode: Active\n', 'AWS::Lambda::Function')).functions[0]?.tracing).toBe('Active');
  });

  it('refuses another value, naming the resource and the property', () => {
    expect(() => loadTemplateText(fn('      Tracing: Always\n'))).toThrow(/Fn.*Tracing.*"Always" is not Active or PassThrough/);
    expect(() => loadTemplateText(fn('      TracingConfig: Active\n'))).toThrow(/Fn.*TracingConfig.*is not a map/);
  });
});
