/**
 * The little XML S3 speaks (docs/s3-server.md): responses are built from escaped elements; the
 * few request bodies (DeleteObjects, CompleteMultipartUpload, CreateBucketConfiguration) are read
 * by a strict extractor of flat elements, enough for those shapes and nothing more. No entity
 * declarations, no external references: a body is text, never instructions to fetch anything.
 */

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/**
 * Escape text for an XML element. Carriage returns are escaped too, as S3 does, so that keys
 * holding them survive the parser's line-end normalisation.
 *
 * @example escapeXml('a<b & "c"') // 'a&lt;b &amp; &quot;c&quot;'
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' })[c] ?? c);
}

/**
 * One element; a string child is escaped, an array of children is joined as is (already XML).
 *
 * @example xmlElement('Key', 'a&b') // '<Key>a&amp;b</Key>'
 */
export function xmlElement(name: string, content: string | number | boolean | readonly string[]): string {
  const inner = Array.isArray(content) ? content.join('') : escapeXml(String(content));
  return `<${name}>${inner}</${name}>`;
}

/**
 * A whole response document with the XML declaration (and S3's namespace on results).
 *
 * @example xmlDocument('ListAllMyBucketsResult', [xmlElement('Buckets', [])])
 */
export function xmlDocument(root: string, children: readonly string[], namespaced = true): string {
  const ns = namespaced ? ` xmlns="${S3_NAMESPACE}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${children.join('')}</${root}>`;
}

function decodeEntities(text: string): string | undefined {
  // A bare `&` or `<` in the text is not well-formed XML.
  if (/[&<]/.test(text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, ''))) return undefined;
  let bad = false;
  const out = text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (_, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#')) {
      const code = entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
      if (!Number.isInteger(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) bad = true;
      return bad ? '' : String.fromCodePoint(code);
    }
    const named: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    const value = named[entity];
    if (value === undefined) bad = true;
    return value ?? '';
  });
  return bad ? undefined : out;
}

/**
 * The blocks `<name>...</name>` of a document, in order, with their inner XML; undefined when the
 * document declares entities or a DOCTYPE (never needed by S3's request shapes).
 *
 * @example xmlBlocks('<Delete><Object><Key>a</Key></Object></Delete>', 'Object') // ['<Key>a</Key>']
 */
export function xmlBlocks(xml: string, name: string): string[] | undefined {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return undefined;
  const out: string[] = [];
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}\\s*>`, 'g');
  for (const m of xml.matchAll(pattern)) out.push(m[1] ?? '');
  return out;
}

/**
 * The decoded text of the first `<name>` child of a block: undefined when absent, null when its
 * text is not well-formed (a raw `<` or an unknown entity).
 *
 * @example xmlText('<Key>a&amp;b</Key>', 'Key') // 'a&b'
 */
export function xmlText(block: string, name: string): string | undefined | null {
  const inner = xmlBlocks(block, name)?.[0];
  // `<Key/>` is an empty element, not an absent one.
  if (inner === undefined) return new RegExp(`<${name}\\s*/>`).test(block) ? '' : undefined;
  // Keys are literal: leading and trailing spaces are kept; CDATA is taken verbatim.
  const cdata = /^<!\[CDATA\[([\s\S]*)\]\]>$/.exec(inner);
  if (cdata !== null) return cdata[1] ?? '';
  return decodeEntities(inner) ?? null;
}
