/**
 * `lamina invoke FUNCTION`: one invocation of a template's function, like `sam local invoke`
 * (docs/invoke-command.md). The template is loaded as `lamina serve` loads it and the function runs
 * in the same kind of environment (limits and isolation on by default), but nothing else starts:
 * no Invoke API, no queue, no event sources, no embedded services, no watchers (an esbuild function
 * is built once). The function's result goes to stdout as it is, its log to stderr.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { FunctionConfig } from '../config/function-config.js';
import { CLI_ERRORS, ConfigError, ServiceError } from '../errors.js';
import { defaultStateDir } from '../async/state-dir.js';
import { Platform } from '../platform/platform.js';
import type { InvocationResult } from '../platform/invoke-types.js';
import { readHostEnvironment } from './host-environment.js';
import { applyEnvVars, readEnvVars, readEvent } from './invoke-input.js';
import { startLogStore } from './log-store-start.js';
import { nodeSettler, PLACEHOLDER_CREDENTIALS, sandboxLimits, templateLoader } from './template-functions.js';
import { buildFunctionsOnce } from '../builds/function-builds.js';

/** Exit statuses (docs/invoke-command.md). */
export const INVOKE_EXIT = { ok: 0, functionError: 1, usage: CLI_ERRORS.LAMINA_ERR_CONFIG.exitCode } as const;

export const INVOKE_USAGE = `Usage: lamina invoke FUNCTION [options]

Run one invocation of a template's function, like 'sam local invoke': the function's result on
stdout (exactly its payload), its log (START, its output, END, REPORT) on stderr.

Options:
  --event <file>|-         The event: a JSON file, or - for stdin (default: {})
  --template <file>        SAM or CloudFormation template (default: template.yaml)
  --env-vars <file>        SAM's environment variables file: {"Parameters": {"VAR": "v"},
                           "FunctionName": {"VAR": "v"}}; only variables the template declares in
                           the function's Environment are overridden (as SAM does)
  --qualifier <q>          Invoke a version or an alias (AutoPublishAlias) instead of $LATEST
  --state-dir <dir>        Where zip code is extracted and the log is kept (read it with
                           'lamina logs'); not locked, so it works while 'lamina serve' runs
                           (default: ~/.cache/lamina/state/<template>-<hash>, as 'lamina serve')
  --logs-max-size <size>   Cap of the log store (default: 100MB; 0 keeps no log)
  --host-node              Run nodejs*.x functions on this machine's node
  --no-limits              Run without kernel limits (memory, CPU, open files) and isolation
  --no-isolation           Keep the limits, run without filesystem and network isolation
  --sandbox <kind>         process (default) or container
  --engine <name>          podman or docker, for container environments
  -h, --help               Show this help

Exit status: 0 when the function answered, 1 when it failed (its error JSON on stdout, as SAM
prints it), 2 for a usage or configuration error (bad flag, unknown function, an event or
env-vars file that cannot be read or is not JSON, a template problem).
`;

function pick(name: string): (functions: FunctionConfig[]) => FunctionConfig[] {
  return (functions) => {
    const fn = functions.find((candidate) => candidate.name === name);
    if (fn === undefined) {
      const names = functions.map((candidate) => candidate.name).join(', ');
      throw new ConfigError(`function '${name}' is not in the template${names === '' ? ' (it has no functions)' : `; its functions: ${names}`}`);
    }
    return [fn];
  };
}

async function writeResult(result: InvocationResult): Promise<number> {
  if (result.kind === 'response') {
    process.stdout.write(result.payload);
    return INVOKE_EXIT.ok;
  }
  if (result.kind === 'function-error') {
    process.stdout.write(result.error.payload);
    return INVOKE_EXIT.functionError;
  }
  for await (const chunk of result.stream.body) process.stdout.write(chunk as Buffer);
  const failed = await result.stream.completion;
  if (failed !== undefined) process.stderr.write(`${failed.payload.toString('utf8')}\n`);
  return failed === undefined ? INVOKE_EXIT.ok : INVOKE_EXIT.functionError;
}

/**
 * @example
 * process.exitCode = await invokeCommand(['Hello', '--event', 'event.json']);
 */
export async function invokeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      event: { type: 'string', short: 'e' },
      template: { type: 'string', short: 't', default: 'template.yaml' },
      'env-vars': { type: 'string', short: 'n' },
      qualifier: { type: 'string' },
      'state-dir': { type: 'string' },
      'logs-max-size': { type: 'string', default: '100MB' },
      'host-node': { type: 'boolean', default: false },
      'no-limits': { type: 'boolean', default: false },
      'no-isolation': { type: 'boolean', default: false },
      sandbox: { type: 'string', default: 'process' },
      engine: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(INVOKE_USAGE);
    return INVOKE_EXIT.ok;
  }
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) throw new ConfigError(`give exactly one function name (got ${positionals.length}); see 'lamina invoke --help'`);
  // The inputs first: a bad event file fails before any function starts.
  const payload = await readEvent(values.event);
  const envVars = values['env-vars'] === undefined ? undefined : await readEnvVars(values['env-vars']);
  const host = readHostEnvironment(process.env);
  const templatePath = resolve(values.template);
  const stateDir = resolve(values['state-dir'] ?? defaultStateDir(templatePath));
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const loaded = await templateLoader(templatePath, { region: host.region, accountId: host.accountId }, stateDir)();
  // Only the function invoked is built and given its interpreter.
  const built = await buildFunctionsOnce(pick(name)(loaded.functions), stateDir);
  const { functions, warnings } = await nodeSettler(values['host-node'])(built);
  for (const warning of [...loaded.warnings, ...warnings]) process.stderr.write(`lamina: warning: ${warning}\n`);
  const [picked] = functions;
  if (picked === undefined) throw new ConfigError(`function '${name}' is not in the template`);
  const applied = envVars === undefined ? { fn: picked, ignored: [] } : applyEnvVars(picked, envVars);
  if (applied.ignored.length > 0) process.stderr.write(`lamina: warning: --env-vars: ${applied.ignored.join(', ')} not declared in ${name}'s Environment: not set (as SAM does)\n`);
  // One invocation: nothing kept warm ahead of it.
  const fn: FunctionConfig = { ...applied.fn, provisionedConcurrency: undefined };
  const limits = await sandboxLimits({ noLimits: values['no-limits'], noIsolation: values['no-isolation'], sandbox: values.sandbox, engine: values.engine, out: (text) => process.stderr.write(text) }, [fn]);
  const logs = await startLogStore(stateDir, values['logs-max-size']);
  const platform = new Platform({ functions: [fn], limits, credentials: host.credentials ?? PLACEHOLDER_CREDENTIALS });
  logs.attach(platform.observers);
  // The log lines as they are (no `[Function]` prefix): this command runs one function.
  platform.observers.add({ log: (_environment, line) => void process.stderr.write(`${line}\n`) });
  try {
    const outcome = await platform.invoke({ functionName: fn.name, qualifier: values.qualifier, invocationType: 'RequestResponse', payload, clientContext: undefined, tailLogs: false, traceId: undefined, tenantId: undefined, streaming: false });
    return await writeResult(outcome.result);
  } catch (error) {
    if (error instanceof ServiceError) throw new ConfigError(`${name}: ${error.message}`);
    throw error;
  } finally {
    await platform.stop();
    await logs.store?.close();
  }
}
