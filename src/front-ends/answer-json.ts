/**
 * Reading a function's answer as the HTTP front ends do (docs/http-front-ends.md): the JSON value,
 * a final HTTP status, header values and header maps. One place for the rules every payload format
 * shares (2.0, 1.0, ALB, a streamed answer's prelude), so a fix to one (1xx refused) holds for all.
 */

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A header value as API Gateway takes it: a string, or a number or boolean as text. */
export function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * The answer's JSON value, or undefined when it is not JSON (`{ value }` so that JSON `null` is one).
 *
 * @example parseAnswer(Buffer.from('{"statusCode":200}')) // { value: { statusCode: 200 } }
 */
export function parseAnswer(payload: Buffer): { readonly value: unknown } | undefined {
  try {
    return { value: JSON.parse(payload.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

/**
 * A status a front end may send as its final answer: an integer 200-599. A 1xx is interim in HTTP:
 * sent as the final answer, the client would wait for another one.
 *
 * @example isFinalStatus(201) // true
 * @example isFinalStatus(101) // false
 */
export function isFinalStatus(status: unknown): status is number {
  return typeof status === 'number' && Number.isInteger(status) && status >= 200 && status <= 599;
}

/**
 * Header pairs (names lower-cased) from `{name: value}`, or with `multi` from `{name: [values]}`;
 * undefined when a value is not one `headerText` takes.
 *
 * @example headerPairs({ 'X-A': 1 }, false) // [['x-a', '1']]
 * @example headerPairs({ 'Set-Cookie': ['a=1', 'b=2'] }, true) // [['set-cookie', 'a=1'], ['set-cookie', 'b=2']]
 */
export function headerPairs(map: Record<string, unknown>, multi: boolean): Array<readonly [string, string]> | undefined {
  const headers: Array<readonly [string, string]> = [];
  for (const [name, raw] of Object.entries(map)) {
    if (multi && !Array.isArray(raw)) return undefined;
    for (const item of multi ? (raw as unknown[]) : [raw]) {
      const text = headerText(item);
      if (text === undefined) return undefined;
      headers.push([name.toLowerCase(), text]);
    }
  }
  return headers;
}
