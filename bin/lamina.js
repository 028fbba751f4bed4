#!/usr/bin/env node
// The `lamina` command: runs the compiled CLI (npm install builds it; `npm run build` rebuilds).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

process.stdout.on('error', (error) => {
  // A closed pipe (`lamina ... | head`) ends the command quietly.
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const entry = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('lamina: the compiled CLI is missing; run `npm run build` in the Lamina folder first\n');
  process.exit(1);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
