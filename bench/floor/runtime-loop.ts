/**
 * The smallest runtime loop: keep-alive `GET /next`, then `POST /response` with the event's own
 * bytes, forever. No handler, no context, no logging. Runs against the floor relay and, as a
 * custom runtime's bootstrap, under Lamina, so both sides of the warm ratio run the same runtime.
 *
 *   AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT node dist/bench/floor/runtime-loop.js
 */
import { Agent, request } from 'node:http';

const api = process.env.AWS_LAMBDA_RUNTIME_API ?? '';
const colon = api.lastIndexOf(':');
const host = api.slice(0, colon);
const port = Number(api.slice(colon + 1));
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime/invocation';

function next(): void {
  request({ host, port, agent, path: `${base}/next` }, (res) => {
    const id = res.headers['lambda-runtime-aws-request-id'];
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      request({ host, port, agent, method: 'POST', path: `${base}/${String(id)}/response`, headers: { 'Content-Length': body.length } }, (answer) => {
        answer.resume();
        answer.on('end', next);
      }).end(body);
    });
  }).end();
}

process.on('SIGTERM', () => process.exit(0));
next();
