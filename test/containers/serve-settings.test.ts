/** `lamina serve`'s container settings: when an engine is needed, and what a missing image says. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { containerSettings } from '../../src/containers/serve-settings.js';
import { customRuntimeFunction, FIXTURES } from '../helpers/function-config.js';

const zip = customRuntimeFunction('Zip', `${FIXTURES}/runtimes/echo`);

describe('containerSettings', () => {
  it('needs no engine when no function is an image and the sandbox is process', async () => {
    expect(await containerSettings('process', undefined, [zip], () => undefined)).toBeUndefined();
  });

  it('refuses an unknown --sandbox or --engine', async () => {
    await expect(containerSettings('vm', undefined, [zip])).rejects.toThrow(new ConfigError("--sandbox must be process or container, got 'vm'"));
    await expect(containerSettings('container', 'lxc', [zip])).rejects.toThrow(/--engine must be podman or docker, got 'lxc'/);
  });

  it('stops the start when an image function has no engine or no image, saying which', async () => {
    const fn = { ...zip, name: 'Img', image: { uri: 'lamina-test-missing:none' } };
    const start = containerSettings('process', undefined, [fn], () => undefined);
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/image lamina-test-missing:none is not in \w+ \(function Img: run 'lamina image build' first\)|Img \(PackageType: Image\) needs a container engine/);
  }, 30_000);
});
