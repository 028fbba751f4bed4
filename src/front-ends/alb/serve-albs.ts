/**
 * Start a local listener per ALB listener for `lamina serve` (docs/http-front-ends.md): the
 * template's listeners, then those `--alb FUNCTION[=PORT]` asks for. A template listener's `Port`
 * (80, 443) is mapped to a local one: from `--alb-port` up, in the template's order, or free ones
 * with `--alb-port 0`; the banner prints both.
 */
import type { Server } from 'node:http';
import { albForFunction, type AlbListener } from '../../config/alb-targets.js';
import type { InvokePort } from '../../platform/invoke-types.js';
import { listenEach } from '../listener-group.js';
import { describeAlb } from './alb-rules.js';
import { createAlbServer } from './alb-server.js';

/** A listener to serve and where: `localPort` undefined takes the next of `--alb-port`. */
export interface AlbToServe {
  readonly listener: AlbListener;
  readonly localPort: number | undefined;
}

export interface StartedAlbs {
  readonly served: ReadonlyArray<{ readonly listener: AlbListener; readonly url: string; readonly server: Server }>;
  readonly banner: readonly string[];
  close(): Promise<void>;
}

/**
 * Parse `--alb FUNCTION[=PORT]`.
 *
 * @example parseAlbOption('Hello=8080') // { functionName: 'Hello', localPort: 8080 }
 */
export function parseAlbOption(text: string): { functionName: string; localPort: number | undefined } {
  const match = /^([A-Za-z0-9_-]{1,64})(?:=(\d{1,5}))?$/.exec(text);
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  if (match === null || (port !== undefined && port > 65535)) throw new Error(`--alb wants FUNCTION or FUNCTION=PORT (a port up to 65535), got ${JSON.stringify(text)}`);
  return { functionName: match[1] ?? '', localPort: port };
}

/**
 * The template's listeners, then one per `--alb FUNCTION[=PORT]` (an unknown function is refused).
 *
 * @example albsToServe(loaded.albs, ['Hello=8080'], functions, { region, accountId, multiValueHeaders: false })
 */
export function albsToServe(
  fromTemplate: readonly AlbListener[],
  options: readonly string[],
  functions: ReadonlyArray<{ readonly name: string }>,
  context: { readonly region: string; readonly accountId: string; readonly multiValueHeaders: boolean },
): AlbToServe[] {
  const extra = options.map((text) => {
    const { functionName, localPort } = parseAlbOption(text);
    if (!functions.some((fn) => fn.name === functionName)) throw new Error(`--alb ${text}: no function ${functionName} in the template (${functions.map((fn) => fn.name).join(', ')})`);
    return { listener: albForFunction(functionName, 80, context), localPort };
  });
  return [...fromTemplate.map((listener) => ({ listener, localPort: undefined })), ...extra];
}

/**
 * @example
 * const albs = await startAlbs([{ listener, localPort: undefined }], platform, { host: '127.0.0.1', basePort: 5000 });
 */
export async function startAlbs(albs: readonly AlbToServe[], port: InvokePort, options: { readonly host: string; readonly basePort: number }): Promise<StartedAlbs> {
  const group = await listenEach(
    albs,
    options,
    ({ listener, localPort }) => ({ server: createAlbServer({ listener, port }), what: `ALB listener ${listener.id}`, ...(localPort === undefined ? {} : { port: localPort }) }),
    ({ listener }, url) => [`  ${listener.id} (ALB listener, port ${listener.port}): ${url}`, ...describeAlb(listener).map((line) => `    ${line}`)],
  );
  return { served: group.served.map(({ item, url, server }) => ({ listener: item.listener, url, server })), banner: group.banner, close: () => group.close() };
}
