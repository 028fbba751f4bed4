/**
 * The entry point of `lamina-rie.cjs`, the one-file emulator that Lamina's base image carries as
 * `/usr/local/bin/aws-lambda-rie` (./build-rie-bundle.ts): `lamina rie` without the rest of the CLI.
 */
import { rieCommand } from '../cli/rie-command.js';
import { CLI_ERRORS, ConfigError } from '../errors.js';

rieCommand(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lamina rie: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof ConfigError ? CLI_ERRORS.LAMINA_ERR_CONFIG.exitCode : 1;
  },
);
