import { describe, expect, it } from 'vitest';
import { runtimeName, runtimeVersionOf } from '../../src/platform/runtime-version.js';
import { bootstrapFunction } from '../helpers/function-config.js';

describe('runtime versions (INIT_START, platform.initStart)', () => {
  it('names runtimes as Lambda does', () => {
    expect(runtimeName('nodejs20.x')).toBe('nodejs:20');
    expect(runtimeName('python3.12')).toBe('python:3.12');
    expect(runtimeName('provided.al2023')).toBe('provided:al2023');
    expect(runtimeName('provided')).toBe('provided:al1');
    expect(runtimeName('java21')).toBe('java:21');
  });

  it('derives a Node function\'s version from its interpreter: stable, with a 64-hex ARN in its region', () => {
    const fn = { ...bootstrapFunction('v', { region: 'eu-south-1' }), runtime: 'nodejs20.x', launch: { kind: 'node-ric' as const, runtime: 'nodejs20.x', node: process.execPath } };
    const version = runtimeVersionOf(fn);
    const minor = process.versions.node.split('.')[1];
    expect(version?.runtimeVersion).toBe(`nodejs:20.v${minor}`);
    expect(version?.runtimeVersionArn).toMatch(/^arn:aws:lambda:eu-south-1::runtime:[0-9a-f]{64}$/);
    expect(runtimeVersionOf(fn)).toEqual(version);
    // Another runtime, another ARN.
    expect(runtimeVersionOf(bootstrapFunction('v', { region: 'eu-south-1' }))?.runtimeVersionArn).not.toBe(version?.runtimeVersionArn);
  });

  it('gives custom runtimes v1 and image functions none', () => {
    expect(runtimeVersionOf(bootstrapFunction('p'))?.runtimeVersion).toBe('provided:al2023.v1');
    const image = { ...bootstrapFunction('i'), image: { uri: 'example:latest' } } as Parameters<typeof runtimeVersionOf>[0];
    expect(runtimeVersionOf(image)).toBeUndefined();
  });
});
