/** `RecursiveLoop` (Allow | Terminate) on a function: read and checked by the template loader. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplateText, removeTemplateDirs } from '../helpers/template-text.js';

afterEach(removeTemplateDirs);

function fn(extra: string): string {
  return `Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs22.x\n      Handler: index.handler\n      CodeUri: .\n${extra}`;
}

describe('RecursiveLoop', () => {
  it('is Terminate (undefined) by default and Allow when asked', () => {
    expect(loadTemplateText(fn('')).functions[0]?.recursiveLoop).toBeUndefined();
    expect(loadTemplateText(fn('      RecursiveLoop: Terminate\n')).functions[0]?.recursiveLoop).toBeUndefined();
    expect(loadTemplateText(fn('      RecursiveLoop: Allow\n')).functions[0]?.recursiveLoop).toBe('Allow');
  });

  it('refuses another value, naming the resource and the property', () => {
    expect(() => loadTemplateText(fn('      RecursiveLoop: Sometimes\n'))).toThrow(/Fn.*RecursiveLoop.*"Sometimes" is not Allow or Terminate/);
  });
});
