/**
 * The `cidr` rule of EventBridge patterns (docs/event-sources-eventbridge.md): `{"cidr": "10.0.0.0/24"}`
 * matches a string field holding an IPv4 or IPv6 address inside that block. Addresses are compared
 * as integers (bigint for IPv6's 128 bits), so no regular expression walks hostile text.
 */

interface Block {
  readonly version: 4 | 6;
  readonly base: bigint;
  readonly mask: bigint;
}

/** An IPv4 dotted quad as a 32-bit integer, or undefined. */
function ipv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || (part.length > 1 && part.startsWith('0'))) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out = (out << 8n) | BigInt(n);
  }
  return out;
}

/** An IPv6 address (with `::` and an optional trailing IPv4) as a 128-bit integer, or undefined. */
function ipv6(text: string): bigint | undefined {
  if (text.length > 45 || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): number[] | undefined => {
    if (half === undefined || half === '') return [];
    const out: number[] = [];
    const pieces = half.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4(piece);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) out.push(parseInt(piece, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parse `address/prefix` (the prefix may be left out: a single address). */
function parseBlock(text: string): Block | string {
  const [address = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return `${JSON.stringify(text)} is not an address/prefix block`;
  const v4 = ipv4(address);
  const v6 = v4 === undefined ? ipv6(address) : undefined;
  if (v4 === undefined && v6 === undefined) return `${JSON.stringify(address)} is not an IPv4 or IPv6 address`;
  const bits = v4 !== undefined ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= bits)) return `the prefix length of ${JSON.stringify(text)} must be 0-${bits}`;
  const all = (1n << BigInt(bits)) - 1n;
  const mask = all ^ ((1n << BigInt(bits - prefix)) - 1n);
  return { version: v4 !== undefined ? 4 : 6, base: (v4 ?? v6 ?? 0n) & mask, mask };
}

/**
 * Compile a cidr rule's argument into a test of one data value, or a problem.
 *
 * @example (cidrTest('10.0.0.0/24') as (v: unknown) => boolean)('10.0.0.7') // true
 * @example cidrTest('10.0.0.0/33') // 'the prefix length of "10.0.0.0/33" must be 0-32'
 */
export function cidrTest(arg: unknown): ((value: unknown) => boolean) | string {
  if (typeof arg !== 'string') return `cidr takes a string such as "10.0.0.0/24", not ${JSON.stringify(arg)}`;
  const block = parseBlock(arg);
  if (typeof block === 'string') return `cidr: ${block}`;
  return (value) => {
    if (typeof value !== 'string') return false;
    const address = block.version === 4 ? ipv4(value) : ipv6(value);
    return address !== undefined && (address & block.mask) === block.base;
  };
}
