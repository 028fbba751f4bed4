/**
 * strictBase64 must accept and refuse exactly what `/^[A-Za-z0-9+/]*={0,2}$/` does (the check it
 * replaces on the management API's ZipFile), and give Node's decode of what it accepts.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { strictBase64 } from '../../src/control/strict-base64.js';
import { seededRandom } from '../helpers/seeded-random.js';

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;

/** What the regular expression decides, and Node's bytes when it accepts. */
function reference(text: string): Buffer | undefined {
  return STANDARD.test(text) ? Buffer.from(text, 'base64') : undefined;
}

describe('strictBase64', () => {
  it('decodes real base64 of every length, padded and not', () => {
    for (let n = 0; n < 40; n += 1) {
      const bytes = randomBytes(n);
      const text = bytes.toString('base64');
      expect(strictBase64(text)).toEqual(bytes);
      expect(strictBase64(text.replace(/=+$/, ''))).toEqual(bytes);
    }
  });

  it('refuses what Node would quietly skip or take: whitespace, URL-safe letters, stray and extra padding, other characters', () => {
    for (const text of ['UEs FBg==', 'UEsFBg==\n', '\tUEsFBg==', 'UE-FBg==', 'UE_FBg==', 'UEsFBg===', 'UE=FBg==', 'UEsFBg=A', 'UEsF.g==', 'UEsFBgé=', 'UEsFBgŁ=', 'UEsFBgī=', 'UEsF\u0000Bg==', '==A', 'UEsF.', 'UEsFB.', '.UEsFB', 'UEsFBg\u2028']) {
      expect(reference(text), text).toBeUndefined();
      expect(strictBase64(text), text).toBeUndefined();
    }
  });

  it('agrees with the regular expression on random strings over a hostile alphabet', () => {
    const alphabet = ['A', 'z', '0', '9', '+', '/', '=', '-', '_', ' ', '\n', '.', '\u0000', 'é', 'Ł', 'ī', '\u012b', '\u0141', '😀'];
    for (const seed of [1, 2, 3]) {
      const next = seededRandom(seed);
      for (let i = 0; i < 5000; i += 1) {
        const length = Math.floor(next() * 12);
        let text = '';
        // Mostly the alphabet, so that accepted strings come up too.
        for (let j = 0; j < length; j += 1) text += next() < 0.8 ? 'QUJD+/xy09'.charAt(Math.floor(next() * 10)) : (alphabet[Math.floor(next() * alphabet.length)] ?? '');
        if (next() < 0.3) text += next() < 0.5 ? '=' : '==';
        expect(strictBase64(text), `seed ${seed}: ${JSON.stringify(text)}`).toEqual(reference(text));
      }
    }
  });
});
