/** Writing a build into a function's code directory (src/builds/build-output.ts) and the handler it is served by. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtHandler, packageManifest, writeBuild } from '../../src/builds/build-output.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-build-out-'));
  dirs.push(dir);
  return join(dir, 'builds', 'Api');
}

const file = (path: string, text: string): { path: string; contents: Uint8Array } => ({ path, contents: Buffer.from(text) });

/** Every file under dir, relative, hidden ones included. */
function listing(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listing(dir, join(prefix, entry.name)) : [join(prefix, entry.name)]))
    .sort();
}

describe('writeBuild', () => {
  it('writes a first build readable by other users, removing what an earlier run left', () => {
    const out = scratch();
    mkdirSync(join(out, 'old'), { recursive: true });
    writeFileSync(join(out, 'old', 'stale.js'), 'old');
    writeFileSync(join(out, '.app.js.lamina-1-0'), 'a temporary of a run that died');
    const { changed, written } = writeBuild(out, [file('app.js', 'code'), file('app.js.map', '{}'), file('assets/logo.png', 'png')], undefined);
    expect(changed).toBe(true);
    expect([...written.keys()].sort()).toEqual(['app.js', 'app.js.map', 'assets/logo.png']);
    expect(listing(out)).toEqual(['app.js', 'app.js.map', 'assets/logo.png']);
    expect(readdirSync(join(out, 'old'))).toEqual([]);
    expect(readFileSync(join(out, 'app.js'), 'utf8')).toBe('code');
    expect(statSync(join(out, 'app.js')).mode & 0o777).toBe(0o644);
    expect(statSync(join(out, 'assets')).mode & 0o755).toBe(0o755);
  });

  it('leaves unchanged files alone and says nothing changed', () => {
    const out = scratch();
    const first = writeBuild(out, [file('app.js', 'code'), file('package.json', '{}')], undefined);
    const before = statSync(join(out, 'app.js'));
    const again = writeBuild(out, [file('app.js', 'code'), file('package.json', '{}')], first.written);
    expect(again.changed).toBe(false);
    expect(statSync(join(out, 'app.js')).ino).toBe(before.ino);
  });

  it('replaces a changed file by a rename (a new inode: a reader holding the old one reads it whole) and removes dropped ones', () => {
    const out = scratch();
    const first = writeBuild(out, [file('app.js', 'v1'), file('chunk.js', 'c')], undefined);
    const before = statSync(join(out, 'app.js')).ino;
    const next = writeBuild(out, [file('app.js', 'v2')], first.written);
    expect(next.changed).toBe(true);
    expect(readFileSync(join(out, 'app.js'), 'utf8')).toBe('v2');
    expect(statSync(join(out, 'app.js')).ino).not.toBe(before);
    expect(listing(out)).toEqual(['app.js']);
  });

  it('package.json says the module kind of the bundle', () => {
    expect(JSON.parse(Buffer.from(packageManifest('esm').contents).toString())).toEqual({ type: 'module' });
    expect(JSON.parse(Buffer.from(packageManifest('cjs').contents).toString())).toEqual({ type: 'commonjs' });
  });
});

describe('builtHandler', () => {
  it('keeps a handler whose module the build kept in its directory', () => {
    expect(builtHandler('src/app.handler', new Set(['src/app.js', 'other.js']))).toBe('src/app.handler');
    expect(builtHandler('src/app.handler', new Set(['src/app.mjs']))).toBe('src/app.handler');
    expect(builtHandler('app.handler', new Set(['app.js']))).toBe('app.handler');
  });

  it('takes the file name alone when the bundle is at the top, as sam build rewrites it', () => {
    expect(builtHandler('src/handlers/app.handler', new Set(['app.js', 'app.js.map']))).toBe('app.handler');
    expect(builtHandler('src/handlers/app.nested.fn', new Set(['app.cjs']))).toBe('app.nested.fn');
  });
});
