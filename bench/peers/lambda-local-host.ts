/**
 * The process lambda-local runs in for the benchmarks: lambda-local is a library (its CLI runs
 * one event from a file; its `--watch` server wraps anything without an `event` key as an API
 * Gateway request), so this small host puts its `execute()` behind the Lambda Invoke path and
 * adds nothing else. One process per peer, like Lamina's server, so no peer shares an event loop
 * with the load generator.
 *
 *   node lambda-local-host.js serve <installDir> <handlerFile> <export> <timeoutMs> <esm 0|1>
 *     prints `lambda-local host on http://127.0.0.1:<port>`, then answers
 *     POST /2015-03-31/functions/{name}/invocations with the handler's result as JSON.
 *   node lambda-local-host.js once  <installDir> <handlerFile> <export> <timeoutMs> <esm 0|1>
 *     reads one event on stdin, writes `<status>\n<body>` to fd 3 (stdout is the handler's own
 *     console) and exits: the cold start, one fresh process per invoke.
 */
import { writeSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface LambdaLocal {
  execute(options: Record<string, unknown>): Promise<unknown>;
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly functionError?: string;
}

const [mode, installDir, handlerFile, handlerExport, timeoutArg, esmArg] = process.argv.slice(2);
if ((mode !== 'serve' && mode !== 'once') || installDir === undefined || handlerFile === undefined || handlerExport === undefined) {
  process.stderr.write('usage: lambda-local-host.js serve|once <installDir> <handlerFile> <export> <timeoutMs> <esm 0|1>\n');
  process.exit(2);
}
const lambdaLocal = createRequire(join(installDir, 'package.json'))('lambda-local') as LambdaLocal;
const timeoutMs = Number(timeoutArg ?? '3000');
const esm = esmArg === '1';

/** An unhandled error answers 200 with X-Amz-Function-Error, the error object as the body (contract: Invoke). */
function errorBody(error: unknown): string {
  if (error instanceof Error) return JSON.stringify({ errorType: error.name, errorMessage: error.message });
  return JSON.stringify({ errorType: 'Error', errorMessage: typeof error === 'string' ? error : JSON.stringify(error) ?? 'unknown error' });
}

async function run(payload: string): Promise<Answer> {
  let event: unknown;
  try {
    event = payload.length === 0 ? {} : (JSON.parse(payload) as unknown);
  } catch {
    return { status: 400, body: JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }) };
  }
  try {
    const result = await lambdaLocal.execute({ event, lambdaPath: handlerFile, lambdaHandler: handlerExport, timeoutMs, esm, verboseLevel: 0 });
    return { status: 200, body: JSON.stringify(result ?? null) };
  } catch (error) {
    return { status: 200, body: errorBody(error), functionError: 'Unhandled' };
  }
}

function readBody(stream: NodeJS.ReadableStream | IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.once('error', reject);
  });
}

if (mode === 'once') {
  const answer = await run(await readBody(process.stdin));
  writeSync(3, `${answer.status}\n${answer.body}`);
  // lambda-local leaves its timeout timer running; the answer is out, so do not wait for it.
  process.exit(0);
} else {
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || !/^\/2015-03-31\/functions\/[^/]+\/invocations$/.test(req.url ?? '')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"Type":"User","message":"Unknown path"}');
      return;
    }
    readBody(req)
      .then(run)
      .then((answer) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(answer.body)) };
        if (answer.functionError !== undefined) headers['x-amz-function-error'] = answer.functionError;
        res.writeHead(answer.status, headers).end(answer.body);
      })
      .catch((error: unknown) => res.writeHead(500, { 'content-type': 'application/json' }).end(errorBody(error)));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.stdout.write(`lambda-local host on http://127.0.0.1:${port}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
}
