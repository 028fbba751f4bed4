import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAwsCli, makeAwsCliHome, runAwsCli, type AwsCliHome } from '../../helpers/aws-cli.js';
import { startS3Server, type S3Server } from '../../../src/services/s3/s3-server.js';
import type { ObjectChange } from '../../../src/services/s3/s3-types.js';

const detected = detectAwsCli();
const hasAws = detected.cli !== undefined;
if (!hasAws) console.log(`skipped: ${detected.unavailable}`);
const home = hasAws ? makeAwsCliHome() : undefined;
afterAll(() => home?.remove());

let dir: string;
let server: S3Server;
const changes: ObjectChange[] = [];

/** Runs `aws s3 ...` / `aws s3api ...` against the server, with throwaway credentials and no user config. */
async function aws(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const out = await runAwsCli([...args, '--endpoint-url', server.endpoint, '--region', 'us-east-1'], home as AwsCliHome, 120_000);
  return { status: out.code, stdout: out.stdout, stderr: out.stderr };
}

describe.skipIf(!hasAws)('the aws CLI against the S3 server', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lamina-s3-cli-'));
    server = await startS3Server({ dir: join(dir, 's3'), buckets: ['cli-bucket'], onChange: (c) => void changes.push(c) });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies a small and a multipart-sized file up and down, lists and removes them', async () => {
    const small = join(dir, 'small file.txt');
    writeFileSync(small, 'small body\n');
    const big = join(dir, 'big.bin');
    const bigBody = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < bigBody.length; i += 4096) bigBody[i] = i % 251;
    writeFileSync(big, bigBody);
    const up1 = await aws(['s3', 'cp', small, 's3://cli-bucket/in/small file.txt']);
    expect(up1.stderr).toBe('');
    expect(up1.status).toBe(0);
    const up2 = await aws(['s3', 'cp', big, 's3://cli-bucket/in/big.bin']);
    expect(up2.stderr).toBe('');
    expect(up2.status).toBe(0);
    // 20 MiB in 8 MiB chunks: the CLI's multipart upload.
    expect(changes.map((c) => c.eventName)).toEqual(['ObjectCreated:Put', 'ObjectCreated:CompleteMultipartUpload']);
    expect(changes[1]?.eTag).toMatch(/^[0-9a-f]{32}-3$/);
    const ls = await aws(['s3', 'ls', 's3://cli-bucket/in/']);
    expect(ls.stdout).toMatch(/20971520 big\.bin/);
    expect(ls.stdout).toMatch(/11 small file\.txt/);
    const down = join(dir, 'down.bin');
    const got = await aws(['s3', 'cp', 's3://cli-bucket/in/big.bin', down]);
    expect(got.status).toBe(0);
    expect(createHash('sha256').update(readFileSync(down)).digest('hex')).toBe(createHash('sha256').update(bigBody).digest('hex'));
    // Between keys, the CLI copies a large object part by part (UploadPartCopy), a small one with CopyObject.
    const copied = await aws(['s3', 'cp', 's3://cli-bucket/in/big.bin', 's3://cli-bucket/in/copy.bin']);
    expect(copied.stderr).toBe('');
    const small2 = await aws(['s3', 'cp', 's3://cli-bucket/in/small file.txt', 's3://cli-bucket/in/small copy.txt']);
    expect(small2.status).toBe(0);
    expect(changes.slice(2).map((c) => c.eventName)).toEqual(['ObjectCreated:CompleteMultipartUpload', 'ObjectCreated:Copy']);
    const down2 = join(dir, 'down2.bin');
    expect((await aws(['s3', 'cp', 's3://cli-bucket/in/copy.bin', down2])).status).toBe(0);
    expect(createHash('sha256').update(readFileSync(down2)).digest('hex')).toBe(createHash('sha256').update(bigBody).digest('hex'));
    const rm = await aws(['s3', 'rm', 's3://cli-bucket/in/', '--recursive']);
    expect(rm.status).toBe(0);
    expect(changes.slice(4).map((c) => `${c.eventName} ${c.key}`).sort()).toEqual(['ObjectRemoved:Delete in/big.bin', 'ObjectRemoved:Delete in/copy.bin', 'ObjectRemoved:Delete in/small copy.txt', 'ObjectRemoved:Delete in/small file.txt']);
    const after = await aws(['s3api', 'list-objects-v2', '--bucket', 'cli-bucket', '--output', 'json']);
    expect(after.status).toBe(0);
    expect(after.stdout.includes('"Key"')).toBe(false);
  });

  it('serves a presigned URL of `aws s3 presign`, with response-* overrides', async () => {
    const file = join(dir, 'shared.txt');
    writeFileSync(file, 'shared body');
    expect((await aws(['s3', 'cp', file, 's3://cli-bucket/shared.txt'])).status).toBe(0);
    const presigned = await aws(['s3', 'presign', 's3://cli-bucket/shared.txt', '--expires-in', '600']);
    expect(presigned.status).toBe(0);
    const url = new URL(presigned.stdout.trim());
    expect([...url.searchParams.keys()].some((k) => /^(X-Amz-Signature|Signature)$/.test(k))).toBe(true);
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('shared body');
    url.searchParams.set('response-content-disposition', 'attachment; filename="s.txt"');
    expect((await fetch(url)).headers.get('content-disposition')).toBe('attachment; filename="s.txt"');
  });

  it('reports S3 error codes the CLI understands', async () => {
    const out = await aws(['s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'missing', join(dir, 'x')]);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/NoSuchKey/);
    const mb = await aws(['s3', 'mb', 's3://second-bucket']);
    expect(mb.status).toBe(0);
    const rb = await aws(['s3', 'rb', 's3://second-bucket']);
    expect(rb.status).toBe(0);
  });
});
