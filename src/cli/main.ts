/**
 * `lamina <command>`: the command-line entry point. Each command lives in its own module and
 * returns an exit code; long-running ones resolve when they stop.
 */
import { CLI_ERRORS, ConfigError } from '../errors.js';

export const USAGE = `Usage: lamina <command> [options]

Commands:
  serve   Serve the functions of a SAM template through the Lambda Invoke API
  invoke  Run one invocation of a template's function (like sam local invoke)
  logs    Print a function's logs kept by 'lamina serve' and 'lamina invoke' (like aws logs tail)
  rie     Run one function like AWS's Runtime Interface Emulator (aws-lambda-rie), fixed
  package Package Lamina's Node.js runtime interface client as a layer zip or a bootstrap
  event   Generate sample events: 'lamina event generate <source> <kind>' (like sam local generate-event)
  events  List the asynchronous events of 'lamina serve' per function: queued, retrying, failed
  doctor  Say which Lambda limits this machine lets Lamina enforce
  runtimes List, install and prune the Node.js majors nodejs*.x functions run on
  image   Build container images offline: the local base image, a template's Image functions
  bench   Benchmark Lamina against the floor relay and peers (cold, warm, memory, concurrency, limits)
  help    Show this help

Run 'lamina <command> --help' for a command's options.
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./serve-command.js')).serveCommand,
  invoke: async () => (await import('./invoke-command.js')).invokeCommand,
  logs: async () => (await import('./logs-command.js')).logsCommand,
  rie: async () => (await import('./rie-command.js')).rieCommand,
  package: async () => (await import('./package-command.js')).packageCommand,
  event: async () => (await import('./event-command.js')).eventCommand,
  events: async () => (await import('./events-command.js')).eventsCommand,
  doctor: async () => (await import('./doctor-command.js')).doctorCommand,
  runtimes: async () => (await import('./runtimes-command.js')).runtimesCommand,
  image: async () => (await import('./image-command.js')).imageCommand,
  bench: async () => (await import('./bench-command.js')).benchCommand,
};

/**
 * @example
 * process.exitCode = await main(['serve', '--port', '9000']);
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name === undefined ? 1 : 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    process.stderr.write(`lamina: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    if (error instanceof ConfigError || (error instanceof Error && error.name === 'TypeError' && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`lamina ${name}: ${error.message}\n`);
      return CLI_ERRORS.LAMINA_ERR_CONFIG.exitCode;
    }
    throw error;
  }
}
