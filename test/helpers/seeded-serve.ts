/**
 * `lamina serve` on a project with one shell function, `Seed` (provided.al2023), for the
 * management API's end-to-end tests: the server's URL once it is ready.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServeProject } from './serve-process.js';
import { shellBootstrap } from './shell-bootstrap.js';

/** A role ARN CreateFunction accepts (Lamina validates and keeps it; it assumes nothing). */
export const TEST_ROLE = 'arn:aws:iam::123456789012:role/lambda-role';

export const SEED_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Seed:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: x
      CodeUri: seed/
`;

/**
 * Write `seed/bootstrap` answering with the output of `answer` (shell), start the server (no
 * limits, quiet) and resolve with its URL.
 *
 * @example const endpoint = await startSeeded(serveProject('lamina-x-'), 'echo seed');
 */
export async function startSeeded(project: ServeProject, answer: string): Promise<string> {
  mkdirSync(join(project.dir, 'seed'), { recursive: true });
  writeFileSync(join(project.dir, 'seed', 'bootstrap'), shellBootstrap(answer), { mode: 0o755 });
  const serve = await project.start(SEED_TEMPLATE, ['--port', '0', '--no-limits', '--quiet'], /queued durably/);
  return /serving \d+ function\(s\) from \S+ on (http:\S+)/.exec(serve.output())?.[1] ?? '';
}
