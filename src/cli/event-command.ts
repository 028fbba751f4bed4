/**
 * `lamina event generate <source> <kind> [options]`: prints a sample event as JSON, like
 * `sam local generate-event`, built by the same code that builds the real events (docs/event-generate.md).
 * The sources are the modules listed in ./event-generate/index.ts.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../errors.js';
import { EVENT_GENERATORS } from './event-generate/index.js';
import type { EventKind, EventSourceGenerator, GeneratorOption, OptionValues } from './event-generate/generator-types.js';

export const EVENT_USAGE = `Usage: lamina event generate <source> <kind> [options]

Prints a sample event as JSON on stdout, built by the code that builds the events 'lamina serve'
delivers. 'lamina event generate' lists the sources, 'lamina event generate <source>' its kinds,
'lamina event generate <source> <kind> --help' the kind's options.
`;

/** Options every kind takes. */
const COMMON_OPTIONS: readonly GeneratorOption[] = [
  { name: 'region', description: 'The region in ARNs and domain names', default: 'us-east-1' },
  { name: 'account-id', description: 'The account id in ARNs', default: '123456789012' },
];

function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, text]) => `  ${name.padEnd(width)}  ${text}\n`).join('');
}

function sourcesText(): string {
  return `${EVENT_USAGE}\nSources:\n${table(EVENT_GENERATORS.map((g) => [g.name, g.description]))}`;
}

function kindsText(source: EventSourceGenerator): string {
  return `Usage: lamina event generate ${source.name} <kind> [options]\n\n${source.description}. Kinds:\n${table(source.kinds.map((k) => [k.name, k.description]))}`;
}

function kindHelp(source: EventSourceGenerator, kind: EventKind): string {
  const options = [...kind.options, ...COMMON_OPTIONS].map((o) => [`--${o.name}${o.flag === true ? '' : ' <value>'}`, `${o.description}${o.default === undefined || o.default === '' ? '' : ` (default: ${o.default})`}`] as const);
  return `Usage: lamina event generate ${source.name} ${kind.name} [options]\n\n${kind.description}.\n\nOptions:\n${table(options)}`;
}

/** Throws the ConfigError of an unknown name, listing the known ones. */
function unknown(what: string, name: string, known: readonly string[]): never {
  throw new ConfigError(`unknown ${what} '${name}'; known ${what}s: ${known.join(', ')}`);
}

/**
 * The event as JSON text, for `source` and `kind` and their arguments.
 *
 * @example JSON.parse(await generateEvent('sqs', 'receive-message', ['--body', 'hi'])).Records[0].body // 'hi'
 */
export async function generateEvent(sourceName: string, kindName: string, args: string[], now = new Date()): Promise<string> {
  const source = EVENT_GENERATORS.find((g) => g.name === sourceName) ?? unknown('source', sourceName, EVENT_GENERATORS.map((g) => g.name));
  const kind = source.kinds.find((k) => k.name === kindName) ?? unknown(`${source.name} kind`, kindName, source.kinds.map((k) => k.name));
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const o of [...kind.options, ...COMMON_OPTIONS]) {
    options[o.name] = o.flag === true ? { type: 'boolean', default: false } : { type: 'string', ...(o.multiple === true ? { multiple: true, default: [] } : o.default === undefined ? {} : { default: o.default }) };
  }
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  const region = String(values.region);
  const accountId = String(values['account-id']);
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) throw new ConfigError(`--region must be a region such as us-east-1, got ${JSON.stringify(region)}`);
  if (!/^\d{12}$/.test(accountId)) throw new ConfigError(`--account-id must be 12 digits, got ${JSON.stringify(accountId)}`);
  // Multiple options are only ever strings here: no boolean option is declared `multiple`.
  const event = await kind.build(values as OptionValues, { region, accountId, now });
  return `${JSON.stringify(event, null, 2)}\n`;
}

/**
 * @example
 * await eventCommand(['generate', 'apigateway', 'aws-proxy', '--path', '/users/42']);
 */
export async function eventCommand(args: string[]): Promise<number> {
  const [sub, sourceName, kindName, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(sourcesText());
    return sub === undefined ? 1 : 0;
  }
  if (sub !== 'generate') throw new ConfigError(`unknown subcommand '${sub}'; the only one is 'generate'`);
  if (sourceName === undefined || sourceName === '--help' || sourceName === '-h') {
    process.stdout.write(sourcesText());
    return 0;
  }
  const source = EVENT_GENERATORS.find((g) => g.name === sourceName) ?? unknown('source', sourceName, EVENT_GENERATORS.map((g) => g.name));
  if (kindName === undefined || kindName === '--help' || kindName === '-h') {
    process.stdout.write(kindsText(source));
    return 0;
  }
  const kind = source.kinds.find((k) => k.name === kindName) ?? unknown(`${source.name} kind`, kindName, source.kinds.map((k) => k.name));
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(kindHelp(source, kind));
    return 0;
  }
  process.stdout.write(await generateEvent(source.name, kind.name, rest));
  return 0;
}
