import { describe, expect, it } from 'vitest';
import { entryKindAndMode, linkStaysInside, linkedAncestor, safeEntryPath } from '../../src/control/zip-entry-path.js';

const UNIX = 0x0314;
const attrs = (mode: number): number => (mode << 16) >>> 0;

describe('safeEntryPath', () => {
  it('normalises harmless names', () => {
    expect(safeEntryPath('index.mjs')).toBe('index.mjs');
    expect(safeEntryPath('./lib//a.js')).toBe('lib/a.js');
    expect(safeEntryPath('lib/')).toBe('lib');
    expect(safeEntryPath('lib\\win.dll')).toBe('lib/win.dll');
    expect(safeEntryPath('..data/file..txt')).toBe('..data/file..txt');
  });

  it('refuses names that climb out, are absolute, name a drive or hide a NUL', () => {
    for (const name of ['..', '../x', 'a/../../x', 'a/b/../../../x', '..\\x', '/etc/passwd', '\\\\server\\share', 'C:/x', 'c:x', 'a\0b']) {
      const result = safeEntryPath(name);
      expect(typeof result === 'object' && result.refusal, name).toBe('unsafe');
    }
  });

  it('refuses names that name nothing', () => {
    for (const name of ['', '.', './', '//']) expect(typeof safeEntryPath(name) === 'object', name).toBe(true);
  });
});

describe('entryKindAndMode', () => {
  it('keeps permission bits of Unix-made entries and drops setuid, setgid and sticky', () => {
    expect(entryKindAndMode(UNIX, attrs(0o100755), 'bootstrap')).toEqual({ kind: 'file', mode: 0o755 });
    expect(entryKindAndMode(UNIX, attrs(0o104755), 'suid')).toEqual({ kind: 'file', mode: 0o755 });
    expect(entryKindAndMode(UNIX, attrs(0o040700), 'd/')).toEqual({ kind: 'directory', mode: 0o700 });
    expect(entryKindAndMode(UNIX, attrs(0o120777), 'link')).toEqual({ kind: 'symlink', mode: 0o777 });
    expect(entryKindAndMode(0x1314, attrs(0o100600), 'mac')).toEqual({ kind: 'file', mode: 0o600 });
  });

  it('gives entries made elsewhere 0644 files and 0755 directories', () => {
    expect(entryKindAndMode(20, 0, 'a.txt')).toEqual({ kind: 'file', mode: 0o644 });
    expect(entryKindAndMode(20, 0x10, 'folder')).toEqual({ kind: 'directory', mode: 0o755 });
    expect(entryKindAndMode(0x0b14, attrs(0o100755), 'ntfs.exe')).toEqual({ kind: 'file', mode: 0o644 });
  });

  it('refuses devices, FIFOs and sockets', () => {
    for (const type of [0o010000, 0o020000, 0o060000, 0o140000]) expect('refusal' in entryKindAndMode(UNIX, attrs(type | 0o644), 'x')).toBe(true);
  });
});

describe('symlinks', () => {
  it('allows targets inside the package and refuses the rest', () => {
    expect(linkStaysInside('current', 'vendor/v2')).toBe(true);
    expect(linkStaysInside('lib/a', '../b')).toBe(true);
    expect(linkStaysInside('lib/a', '.')).toBe(true);
    expect(linkStaysInside('a', '..')).toBe(false);
    expect(linkStaysInside('lib/a', '../../b')).toBe(false);
    expect(linkStaysInside('lib/a', 'x/../../../b')).toBe(false);
    expect(linkStaysInside('a', '/etc/passwd')).toBe(false);
    expect(linkStaysInside('a', '/opt/lib/libx.so')).toBe(false);
    expect(linkStaysInside('a', 'C:/Windows')).toBe(false);
    expect(linkStaysInside('a', '')).toBe(false);
  });

  it('resolves through the package\'s other links, as the kernel would', () => {
    const links = new Map([['l', '.'], ['deep', 'a/b/c'], ['loop1', 'loop2'], ['loop2', 'loop1'], ['up', '..']]);
    expect(linkStaysInside('out', 'l/..', links)).toBe(false);
    expect(linkStaysInside('out', 'l/..')).toBe(true);
    expect(linkStaysInside('x', 'deep/../..', links)).toBe(true);
    expect(linkStaysInside('x', 'deep/../../../..', links)).toBe(false);
    expect(linkStaysInside('x', 'loop1', links)).toBe(false);
    expect(linkStaysInside('x', 'up/etc', links)).toBe(false);
  });

  it('finds an entry below a link', () => {
    const links = new Set(['out', 'lib/up']);
    expect(linkedAncestor('out/passwd', links)).toBe('out');
    expect(linkedAncestor('lib/up/x/y', links)).toBe('lib/up');
    expect(linkedAncestor('out', links)).toBeUndefined();
    expect(linkedAncestor('outside/x', links)).toBeUndefined();
  });
});
