/** A function's `Architectures` (SAM, CloudFormation, `Globals`): kept for the cost estimate and the management API. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplateText, removeTemplateDirs } from '../helpers/template-text.js';

afterEach(removeTemplateDirs);

function fn(extra: string, type = 'AWS::Serverless::Function', globals = ''): string {
  const code = type === 'AWS::Serverless::Function' ? '      CodeUri: .\n' : '      Code: .\n';
  return `${globals}Resources:\n  Fn:\n    Type: ${type}\n    Properties:\n      Runtime: nodejs22.x\n      Handler: index.handler\n${code}${extra}`;
}

describe('Architectures', () => {
  it('is undefined (x86_64) by default and the one declared otherwise', () => {
    expect(loadTemplateText(fn('')).functions[0]?.architecture).toBeUndefined();
    expect(loadTemplateText(fn('      Architectures: [arm64]\n')).functions[0]?.architecture).toBe('arm64');
    expect(loadTemplateText(fn('      Architectures:\n        - x86_64\n', 'AWS::Lambda::Function')).functions[0]?.architecture).toBe('x86_64');
  });

  it('comes from Globals; a function\'s own list is added to it (SAM merges lists), which is then refused', () => {
    const globals = 'Globals:\n  Function:\n    Architectures: [arm64]\n';
    expect(loadTemplateText(fn('', 'AWS::Serverless::Function', globals)).functions[0]?.architecture).toBe('arm64');
    expect(() => loadTemplateText(fn('      Architectures: [x86_64]\n', 'AWS::Serverless::Function', globals))).toThrow(/\["arm64","x86_64"\] is not a list of exactly one/);
  });

  it('refuses anything but a list of exactly one known architecture, naming the resource', () => {
    expect(() => loadTemplateText(fn('      Architectures: arm64\n'))).toThrow(/Fn.*Architectures.*not a list of exactly one of x86_64 and arm64/);
    expect(() => loadTemplateText(fn('      Architectures: [arm64, x86_64]\n'))).toThrow(/Fn.*Architectures/);
    expect(() => loadTemplateText(fn('      Architectures: [riscv]\n'))).toThrow(/Fn.*Architectures/);
  });
});
