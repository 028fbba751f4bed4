/**
 * Decoding the base64 of a zip sent inline (`ZipFile` of CreateFunction and UpdateFunctionCode),
 * refusing anything outside the standard alphabet as a regular expression over the text would,
 * without that scan: on the 67 MB text of a 50 MB zip, `/^[A-Za-z0-9+/]*={0,2}$/` costs more than
 * the decode itself (bench/RESULTS.md, "UpdateFunctionCode to the first invoke").
 *
 * Node's decoder skips whatever it cannot decode (whitespace, other characters), takes the
 * URL-safe `-` and `_`, and reads a character above U+00FF by its low byte (`Ł`, U+0141, as `A`).
 * So: ASCII only (its UTF-8 length is its length, a native count), `=` only as one or two final
 * characters, no `-` or `_` (`indexOf`, a native scan), and the decoded length must be what that
 * many characters of the alphabet give: a skipped character would make it shorter.
 */

/**
 * The bytes of `text` when it is standard base64 (`^[A-Za-z0-9+/]*={0,2}$`), else undefined.
 *
 * @example strictBase64('UEsFBg==') // <Buffer 50 4b 05 06>
 * @example strictBase64('UEs FBg==') // undefined
 */
export function strictBase64(text: string): Buffer | undefined {
  const pad = text.indexOf('=');
  const data = pad === -1 ? text.length : pad;
  if (pad !== -1 && (text.length - pad > 2 || (text.length - pad === 2 && text[pad + 1] !== '='))) return undefined;
  if (Buffer.byteLength(text, 'utf8') !== text.length) return undefined;
  if (text.indexOf('-') !== -1 || text.indexOf('_') !== -1) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // 4k+1 characters give the bytes of 4k (the last one's 6 bits make no byte), so one skipped
  // character would not show: count again with one more character of the alphabet.
  const counted = data % 4 === 1 ? Buffer.from(`${text.slice(0, data)}A`, 'base64').length : bytes.length;
  return counted === Math.floor(((data + (data % 4 === 1 ? 1 : 0)) * 3) / 4) ? bytes : undefined;
}
