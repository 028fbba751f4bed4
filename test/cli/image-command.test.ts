/** `lamina image`: options and failures that need no container engine, through main(). */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { imageCommand, IMAGE_USAGE } from '../../src/cli/image-command.js';

describe('lamina image', () => {
  it('shows its usage for --help and without a subcommand', async () => {
    const out: string[] = [];
    expect(await imageCommand(['--help'], (text) => out.push(text))).toBe(0);
    expect(await imageCommand([], (text) => out.push(text))).toBe(2);
    expect(out).toEqual([IMAGE_USAGE, IMAGE_USAGE]);
    expect(IMAGE_USAGE).toMatch(/^\s+build\s+Build the images of a template's PackageType: Image functions/m);
  });

  it('refuses an unknown subcommand or engine before touching any engine', async () => {
    await expect(imageCommand(['push'])).rejects.toThrow(new ConfigError("unknown subcommand 'push' (base or build)"));
    await expect(imageCommand(['base', '--engine', 'lxc'])).rejects.toThrow(/--engine must be podman or docker, got 'lxc'/);
  });
});
