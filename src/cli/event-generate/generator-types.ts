/**
 * What one source of `lamina event generate` provides (docs/event-generate.md): its kinds, each
 * with its options and a builder that calls the same code Lamina uses to build the real event.
 * A new source (Kinesis, S3, EventBridge, ...) is one module exporting an `EventSourceGenerator`,
 * listed once in ./index.ts.
 */

/** One `--name value` option of a kind (a string; `multiple` ones may be repeated, `flag` ones take no value). */
export interface GeneratorOption {
  readonly name: string;
  readonly description: string;
  /** Shown in the help and used when the option is absent. */
  readonly default?: string;
  readonly multiple?: boolean;
  readonly flag?: boolean;
}

/** The options' values as parsed: strings, lists for `multiple`, booleans for `flag`. */
export type OptionValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

/** What every kind gets besides its own options. */
export interface GenerateContext {
  readonly region: string;
  readonly accountId: string;
  /** The event's time. */
  readonly now: Date;
}

export interface EventKind {
  readonly name: string;
  readonly description: string;
  readonly options: readonly GeneratorOption[];
  /**
   * The event as the function receives it (a JSON value). Throws ConfigError for a bad option value.
   * May be asynchronous: some builders run the real service in memory (SQS).
   */
  build(values: OptionValues, context: GenerateContext): unknown;
}

export interface EventSourceGenerator {
  /** The first argument of `lamina event generate`: `sqs`, `apigateway`, ... */
  readonly name: string;
  readonly description: string;
  readonly kinds: readonly EventKind[];
}
