/**
 * The IAM policy a Lambda authorizer answers, evaluated as API Gateway evaluates it for
 * `execute-api:Invoke` on a method ARN (docs/http-front-ends.md): an explicit Deny wins, then an
 * Allow; nothing matching is an implicit deny. `*` and `?` are wildcards in actions and resources.
 */
import { isRecord } from '../answer-json.js';

export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

/**
 * `arn:aws:execute-api:region:account:apiId/stage/METHOD/path` (the path without its leading `/`).
 *
 * @example executeApiArn({ region: 'us-east-1', accountId: '123456789012', apiId: 'abc', stage: 'Prod', method: 'GET', path: '/items/7' })
 * // 'arn:aws:execute-api:us-east-1:123456789012:abc/Prod/GET/items/7'
 */
export function executeApiArn(parts: { region: string; accountId: string; apiId: string; stage: string; method: string; path: string }): string {
  return `arn:aws:execute-api:${parts.region}:${parts.accountId}:${parts.apiId}/${parts.stage}/${parts.method}/${parts.path.replace(/^\//, '')}`;
}

/**
 * IAM's wildcard match: `*` any run of characters (slashes too), `?` one character.
 *
 * @example wildcardMatch('arn:aws:execute-api:*:*:abc/*\/GET/*', 'arn:aws:execute-api:us-east-1:1:abc/Prod/GET/a/b') // true
 */
export function wildcardMatch(pattern: string, text: string, ignoreCase = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(text);
}

function list(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value;
  return undefined;
}

/**
 * The decision for `execute-api:Invoke` on `arn`, or undefined when the document is malformed
 * (API Gateway then answers its authorizer failure).
 *
 * @example evaluatePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] }, arn) // 'allow'
 */
export function evaluatePolicy(document: unknown, arn: string): PolicyDecision | undefined {
  if (!isRecord(document)) return undefined;
  const raw = document.Statement;
  const statements = Array.isArray(raw) ? raw : isRecord(raw) ? [raw] : undefined;
  if (statements === undefined) return undefined;
  let allowed = false;
  for (const statement of statements) {
    if (!isRecord(statement)) return undefined;
    const effect = statement.Effect;
    const actions = list(statement.Action);
    const resources = list(statement.Resource);
    if ((effect !== 'Allow' && effect !== 'Deny') || actions === undefined || resources === undefined) return undefined;
    const acts = actions.some((action) => wildcardMatch(action, 'execute-api:Invoke', true));
    if (!acts || !resources.some((resource) => wildcardMatch(resource, arn))) continue;
    if (effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}
