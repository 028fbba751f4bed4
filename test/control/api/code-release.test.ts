/**
 * The code store removes no package directory the platform holds (src/control/api/code-store.ts,
 * `CodeHolder`): here, the directories of a saved function skipped at start because one of its
 * versions' directories is missing. A sweep after another function's update must leave them, or
 * the skipped function could never come back.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../../src/control/api/control-plane.js';
import { statesOf } from '../../../src/control/api/function-states.js';
import { ControlStore } from '../../../src/control/state/control-store.js';
import { Platform } from '../../../src/platform/platform.js';
import { createFunction, publishVersion, updateLatest } from '../../../src/registry/latest-changes.js';
import { registryFromState } from '../../../src/registry/template-load.js';
import { customRuntimeFunction } from '../../helpers/function-config.js';
import { code, value } from '../../registry/registry-fixture.js';
import { yazlZip } from '../yazl-zip.js';

const ROLE = 'arn:aws:iam::123456789012:role/lambda-role';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a saved function skipped at start', () => {
  it('keeps its other code directories through the sweeps of later changes', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'lamina-skipped-code-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const v1Dir = join(stateDir, 'code', 'e-v1');
    const latestDir = join(stateDir, 'code', 'e-latest');
    mkdirSync(v1Dir, { recursive: true });
    mkdirSync(latestDir, { recursive: true });
    // First run: `e` has version 1 in one package and $LATEST in another.
    const first = ControlStore.open(stateDir);
    const { registry } = registryFromState([], {}, first);
    value(await createFunction(registry, customRuntimeFunction('e', v1Dir), code('v1')));
    value(await publishVersion(registry, 'e'));
    value(await updateLatest(registry, 'e', { code: { identity: code('latest'), codeDir: latestDir } }));
    first.close();
    rmSync(v1Dir, { recursive: true });

    // Second run: `e` is skipped; a function created and updated through the API makes the code store sweep.
    const store = ControlStore.open(stateDir);
    const platform = new Platform({ functions: [], store });
    cleanups.push(async () => {
      await platform.stop();
      store.close();
    });
    expect(platform.registry.names).toEqual([]);
    const control = new ControlPlane({ registry: platform.registry, region: 'us-east-1', accountId: '123456789012', stateDir, now: () => new Date(), settings: store.settings, code: platform });
    const zip = (text: string): Promise<Buffer> => yazlZip([{ name: 'bootstrap', data: `#!/bin/sh\necho ${text}\n`, mode: 0o100755 }]);
    const base = { operation: 'CreateFunction' as const, labels: {}, query: {}, queryAll: {}, successStatus: 201 };
    await control.handle({ ...base, body: { FunctionName: 'other', Runtime: 'provided.al2023', Handler: 'x', Role: ROLE, Code: { ZipFile: (await zip('one')).toString('base64') } } });
    await statesOf(platform.registry).settled();
    await control.handle({ ...base, operation: 'UpdateFunctionCode', labels: { FunctionName: 'other' }, successStatus: 200, body: { ZipFile: (await zip('two')).toString('base64') } });
    await statesOf(platform.registry).settled();
    await control.handle({ ...base, operation: 'DeleteFunction', labels: { FunctionName: 'other' }, successStatus: 204, body: {} });
    expect(existsSync(latestDir)).toBe(true);

    // Once the missing directory is back, the function loads again, whole.
    mkdirSync(v1Dir);
    const third = ControlStore.open(stateDir);
    cleanups.push(() => third.close());
    expect(registryFromState([], {}, third).registry.names).toEqual(['e']);
  });
});
