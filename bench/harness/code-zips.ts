/**
 * Deployment packages for the update-code scenario (bench/scenarios/update-code.ts): a Node
 * handler plus incompressible filler, so that the zip really is the size asked for. The filler is
 * stored, not deflated, as Info-ZIP's `zip` and most zippers store a file deflate cannot shrink;
 * the handler is deflated. Built once per run: the filler's random bytes are made once per size
 * and shared by the package's variants, which differ only in the tag their handler answers.
 */
import { randomBytes } from 'node:crypto';
import { ZipFile } from 'yazl';

/** What the handler of a package answers: `{"code":"<tag>"}`. */
export function handlerSource(tag: string): string {
  return `export const handler = async () => ({ code: ${JSON.stringify(tag)} });\n`;
}

async function zipOf(tag: string, filler: Buffer): Promise<Buffer> {
  const zip = new ZipFile();
  // A fixed date: the same inputs give the same bytes (and the same CodeSha256).
  const mtime = new Date('2026-01-01T00:00:00Z');
  zip.addBuffer(Buffer.from(handlerSource(tag)), 'index.mjs', { mode: 0o100644, compress: true, mtime });
  if (filler.length > 0) zip.addBuffer(filler, 'assets/filler.bin', { mode: 0o100644, compress: false, mtime });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Zips of exactly `bytes` (or the smallest possible, the handler alone, when `bytes` is below it),
 * one per tag: each has `index.mjs` answering its tag and the same filler.
 *
 * @example
 * const [a, b] = await sizedZips(1_000_000, ['1mb-a', '1mb-b']); // a.length === 1_000_000
 */
export async function sizedZips(bytes: number, tags: readonly string[]): Promise<Buffer[]> {
  const first = tags[0];
  if (first === undefined) return [];
  // Stored data adds exactly its own length, so the overhead is measured once with no filler.
  // Tags of one length keep the deflated handler's size close; each zip is checked below.
  const bare = await zipOf(first, Buffer.alloc(0));
  if (bytes <= bare.length) return Promise.all(tags.map((tag) => zipOf(tag, Buffer.alloc(0))));
  const withEntry = await zipOf(first, Buffer.alloc(1));
  const filler = randomBytes(Math.max(1, bytes - (withEntry.length - 1)));
  const zips: Buffer[] = [];
  for (const tag of tags) {
    let zip = await zipOf(tag, filler);
    // Another tag may deflate a byte or two differently: trim or pad the filler to land exactly.
    if (zip.length !== bytes) zip = await zipOf(tag, Buffer.concat([filler, randomBytes(Math.max(0, bytes - zip.length))]).subarray(0, filler.length + bytes - zip.length));
    zips.push(zip);
  }
  return zips;
}
