/**
 * AWS_LAMBDA_EXEC_WRAPPER in sh (src/platform/exec-wrapper.ts, docs/extensions.md): the check and
 * exec of AWS's managed runtimes' bootstrap, for the process sandbox and for the bootstraps Lamina
 * writes (its base images, its runtime client's launcher). No imports: build scripts use it too.
 */

/**
 * The same as the last lines of a bootstrap script (Lamina's base images, its runtime client's
 * launcher): run `command` (sh words), through the wrapper named by `$variable` when that is set.
 *
 * @example
 * execWrapperLines('/var/lang/bin/python3.12 -u /var/runtime/bootstrap.py "$@"')
 * // 'if [ -n "$AWS_LAMBDA_EXEC_WRAPPER" ]; then ...; exec "$AWS_LAMBDA_EXEC_WRAPPER" /var/lang/bin/python3.12 ...; fi\nexec /var/lang/bin/python3.12 ...'
 */
export function execWrapperLines(command: string, variable = 'AWS_LAMBDA_EXEC_WRAPPER'): string {
  const w = `$${variable}`;
  return [
    `if [ -n "${w}" ]; then`,
    `  if [ ! -f "${w}" ]; then echo "${w}: does not exist"; exit 127; fi`,
    `  if [ ! -x "${w}" ]; then echo "${w}: is not an executable"; exit 126; fi`,
    `  exec "${w}" ${command}`,
    'fi',
    `exec ${command}`,
    '',
  ].join('\n');
}

/** The step between the extensions' wrapper and the interpreter: `$1` is the wrapper, the rest the runtime's command. */
export const EXEC_WRAPPER_STEP = `w=$1; shift\n${execWrapperLines('"$@"', 'w')}`;
