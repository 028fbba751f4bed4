/**
 * The aws-chunked decoder and the XML reader of the S3 server, fed directly: framing split at
 * every possible byte boundary decodes the same, and the XML reader keeps keys literal.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AwsChunkedDecoder, isAwsChunked, storedEncoding } from '../../../src/services/s3/aws-chunked.js';
import { escapeXml, xmlBlocks, xmlText } from '../../../src/services/s3/s3-xml.js';
import { seededRandom } from '../../helpers/seeded-random.js';

async function decode(pieces: Buffer[]): Promise<{ body: string; trailers: Map<string, string> }> {
  const decoder = new AwsChunkedDecoder();
  const out: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    Readable.from(pieces).pipe(decoder).on('data', (c: Buffer) => out.push(c)).on('end', resolve).on('error', reject);
  });
  return { body: Buffer.concat(out).toString('latin1'), trailers: decoder.trailers };
}

const FRAMED = Buffer.from(`5;chunk-signature=${'0'.repeat(64)}\r\nhello\r\nA\r\n, world!!!\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:abc\r\n\r\n`, 'latin1');

describe('AwsChunkedDecoder', () => {
  it('decodes whole, and split at every byte, to the same body and trailers', async () => {
    const whole = await decode([FRAMED]);
    expect(whole.body).toBe('hello, world!!!');
    expect(whole.trailers.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
    for (let cut = 1; cut < FRAMED.length; cut++) {
      expect((await decode([FRAMED.subarray(0, cut), FRAMED.subarray(cut)])).body).toBe('hello, world!!!');
    }
    expect((await decode([...FRAMED].map((b) => Buffer.from([b])))).body).toBe('hello, world!!!');
  });

  it('keeps binary bytes, CR and LF inside chunks as data', async () => {
    const data = Buffer.from([0, 13, 10, 255, 13, 10, 48]);
    const framed = Buffer.concat([Buffer.from('7\r\n'), data, Buffer.from('\r\n0\r\n\r\n')]);
    expect(Buffer.from((await decode([framed])).body, 'latin1')).toEqual(data);
  });

  it('refuses random corruptions of a valid body or decodes them to a body of declared sizes', async () => {
    const random = seededRandom(15);
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(FRAMED);
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const result = await decode([bytes]).then((r) => r.body, (e: Error) => e);
      // Either an S3 error, or a body (a corrupted payload byte or signature is still framed right).
      if (typeof result === 'string') expect(result.length).toBe(15);
      else expect(['InvalidRequest', 'IncompleteBody']).toContain(result.name);
    }
  });

  it('recognises the encoding and strips it from what is stored', () => {
    expect(isAwsChunked({ 'content-encoding': 'gzip, aws-chunked' })).toBe(true);
    expect(isAwsChunked({ 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' })).toBe(true);
    expect(isAwsChunked({ 'content-encoding': 'gzip' })).toBe(false);
    expect(storedEncoding('aws-chunked')).toBeUndefined();
    expect(storedEncoding('aws-chunked, gzip')).toBe('gzip');
  });
});

describe('the XML reader', () => {
  it('keeps keys literal: spaces, escapes, CDATA, empty elements', () => {
    const xml = `<Delete><Object><Key>  a b </Key></Object><Object><Key>${escapeXml('x<&>"\'\r')}</Key></Object><Object><Key><![CDATA[<raw>&]]></Key></Object><Quiet/></Delete>`;
    const keys = (xmlBlocks(xml, 'Object') ?? []).map((b) => xmlText(b, 'Key'));
    expect(keys).toEqual(['  a b ', 'x<&>"\'\r', '<raw>&']);
    expect(xmlText(xml, 'Quiet')).toBe('');
    expect(xmlText(xml, 'Missing')).toBeUndefined();
  });

  it('refuses bare ampersands, unknown entities, surrogate code points and DOCTYPEs', () => {
    expect(xmlText('<Key>a & b</Key>', 'Key')).toBeNull();
    expect(xmlText('<Key>&nbsp;</Key>', 'Key')).toBeNull();
    expect(xmlText('<Key>&#xD800;</Key>', 'Key')).toBeNull();
    expect(xmlText('<Key>&#1114112;</Key>', 'Key')).toBeNull();
    expect(xmlBlocks('<!DOCTYPE x><Delete/>', 'Delete')).toBeUndefined();
  });
});
