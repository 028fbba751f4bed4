/**
 * A local npm registry for the installer's tests: a node:http server on 127.0.0.1 serving the
 * packument of `node-linux-<arch>` and tarballs built here (a `bin/node` shell script that prints
 * its version), each with its real sha512 integrity unless a test publishes a wrong one.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodePackageName } from '../../src/runtimes/node-majors.js';

export interface FakeRelease {
  readonly version: string;
  /** Publish this integrity instead of the tarball's own. */
  readonly integrity?: string;
  /** Extra lines of the fake node script (before it prints its version). */
  readonly script?: string;
}

export interface FakeRegistry {
  /** Base URL, ending with '/'. */
  readonly url: string;
  readonly packageName: string;
  /** Tarball requests served, by version. */
  readonly downloads: string[];
  readonly packumentRequests: () => number;
  publish(release: FakeRelease): void;
  /** Hold tarball answers until the returned function is called. */
  holdTarballs(): () => void;
  close(): Promise<void>;
}

/** A gzipped npm package tarball (`package/bin/node`, `package/package.json`). */
export function buildTarball(version: string, script = ''): Buffer {
  const work = mkdtempSync(join(tmpdir(), 'lamina-fake-pkg-'));
  try {
    mkdirSync(join(work, 'package', 'bin'), { recursive: true });
    const node = join(work, 'package', 'bin', 'node');
    writeFileSync(node, `#!/bin/sh\n${script}\necho v${version}\n`);
    chmodSync(node, 0o755);
    writeFileSync(join(work, 'package', 'package.json'), JSON.stringify({ name: nodePackageName(), version }));
    const archive = join(work, 'package.tgz');
    const tar = spawnSync('tar', ['-czf', archive, '-C', work, 'package']);
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`);
    return readFileSync(archive);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function sri(data: Buffer): string {
  return `sha512-${createHash('sha512').update(data).digest('base64')}`;
}

/** @example const registry = await startFakeRegistry([{ version: '22.1.0' }]); */
export async function startFakeRegistry(releases: readonly FakeRelease[] = []): Promise<FakeRegistry> {
  const packageName = nodePackageName();
  const tarballs = new Map<string, Buffer>();
  const integrities = new Map<string, string>();
  const downloads: string[] = [];
  let packuments = 0;
  let held: Promise<void> | undefined;
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    if (path === `/${packageName}`) {
      packuments += 1;
      const versions = Object.fromEntries(
        [...tarballs.keys()].map((version) => [version, { name: packageName, version, dist: { integrity: integrities.get(version), tarball: `${registry.url}${packageName}/-/${packageName}-${version}.tgz` } }]),
      );
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ name: packageName, versions }));
      return;
    }
    const match = new RegExp(`^/${packageName}/-/${packageName}-(.+)\\.tgz$`).exec(path);
    const body = match?.[1] === undefined ? undefined : tarballs.get(match[1]);
    if (match?.[1] === undefined || body === undefined) {
      response.statusCode = 404;
      response.end('{"error":"Not found"}');
      return;
    }
    downloads.push(match[1]);
    void (held ?? Promise.resolve()).then(() => {
      response.setHeader('content-length', String(body.length));
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const registry: FakeRegistry = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    packageName,
    downloads,
    packumentRequests: () => packuments,
    publish(release) {
      const tarball = buildTarball(release.version, release.script);
      tarballs.set(release.version, tarball);
      integrities.set(release.version, release.integrity ?? sri(tarball));
    },
    holdTarballs() {
      let release = (): void => {};
      held = new Promise<void>((resolve) => (release = resolve));
      return () => {
        held = undefined;
        release();
      };
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  for (const release of releases) registry.publish(release);
  return registry;
}

/** A URL where nothing listens (a closed port on 127.0.0.1). */
export async function deadRegistryUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}
