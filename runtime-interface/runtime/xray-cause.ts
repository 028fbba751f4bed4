/**
 * The X-Ray error cause the official client sends with an invocation error, in the header
 * `Lambda-Runtime-Function-XRay-Error-Cause` (docs/runtime-api.md): the working directory, the
 * exception (type, message, parsed stack frames) and the distinct source paths.
 *
 * Imported lazily, on the first error report.
 */

/** One parsed stack frame. */
export interface XRayStackFrame {
  path: string | undefined;
  line: number;
  label: string;
}

/** The JSON document of the header. */
export interface XRayErrorCause {
  working_directory: string;
  exceptions: Array<{ type: string | undefined; message: string | undefined; stack: XRayStackFrame[] }>;
  paths: Array<string | undefined>;
}

const escapeDel = (text: string | undefined): string | undefined => text?.replaceAll('\x7F', '%7F');

/**
 * Parse V8 stack lines (`    at label (path:line:column)`) as the official client does.
 * @example
 * ```ts
 * parseStack('Error: x\n    at run (/var/task/index.js:3:9)');
 * // [{ path: '/var/task/index.js', line: 3, label: 'run' }]
 * ```
 */
export function parseStack(stack: string | undefined): XRayStackFrame[] {
  if (!stack) return [];
  const lines = (escapeDel(stack) ?? '').split('\n');
  lines.shift();
  return lines.map((line) => {
    const trimmed = line.trim().replace(/[()]/g, '').replace(/^[^\s]*\s/, '');
    const lastSpace = trimmed.lastIndexOf(' ');
    const label = lastSpace >= 0 ? trimmed.slice(0, lastSpace) : 'anonymous';
    const [path, lineNumber] = (lastSpace >= 0 ? trimmed.slice(lastSpace + 1) : trimmed).split(':');
    return { path, line: Number.parseInt(lineNumber ?? '', 10), label };
  });
}

/**
 * Format the cause; `''` when the value cannot be described (the header is then left out).
 * Non-errors give an exception without type and message, as in the official client.
 *
 * @example
 * ```ts
 * JSON.parse(formatXRayCause(new TypeError('bad'))).exceptions[0].type; // 'TypeError'
 * ```
 */
export function formatXRayCause(error: unknown, cwd: string = process.cwd()): string {
  try {
    const described = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown; stack?: unknown };
    const stack = parseStack(typeof described.stack === 'string' ? described.stack : undefined);
    const cause: XRayErrorCause = {
      working_directory: cwd,
      exceptions: [{
        type: typeof described.name === 'string' ? escapeDel(described.name) : undefined,
        message: typeof described.message === 'string' ? escapeDel(described.message) : undefined,
        stack,
      }],
      paths: [...new Set(stack.map((frame) => frame.path))],
    };
    return JSON.stringify(cause);
  } catch {
    return '';
  }
}
