/** Build FunctionConfig values for tests without a template. */
import { join } from 'node:path';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, functionArn, type FunctionConfig } from '../../src/config/function-config.js';
import { PROJECT_ROOT } from '../../src/platform/paths.js';

export const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures');

/** A custom-runtime function running test/fixtures/runtimes/<runtimeDir>/bootstrap. */
export function bootstrapFunction(name: string, overrides: Partial<FunctionConfig> = {}, runtimeDir = 'echo'): FunctionConfig {
  return customRuntimeFunction(name, join(FIXTURES, 'runtimes', runtimeDir), overrides);
}

/** A custom-runtime function whose code (and `bootstrap`) is in `codeDir`. */
export function customRuntimeFunction(name: string, codeDir: string, overrides: Partial<FunctionConfig> = {}): FunctionConfig {
  return {
    name,
    arn: functionArn(DEFAULT_REGION, DEFAULT_ACCOUNT_ID, name),
    region: DEFAULT_REGION,
    accountId: DEFAULT_ACCOUNT_ID,
    runtime: 'provided.al2023',
    handler: 'function.handler',
    codeDir,
    launch: { kind: 'bootstrap', command: join(codeDir, 'bootstrap'), args: [] },
    memorySize: 128,
    timeout: 3,
    environment: {},
    reservedConcurrency: undefined,
    logFormat: 'Text',
    logLevel: undefined,
    ...overrides,
  };
}
