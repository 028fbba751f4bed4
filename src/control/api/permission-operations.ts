/**
 * AddPermission, RemovePermission and GetPolicy (docs/management-api.md, "Permissions"): a
 * function's (or one qualifier's) resource-based policy, built as Lambda builds it and kept in the
 * settings store (kind `policy`, key `FUNCTION:QUALIFIER`). Lamina stores and answers policies; it
 * does not enforce them on invokes.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../../errors.js';
import { revisionError } from '../../registry/latest-changes.js';
import type { StoredValue } from '../settings-store.js';
import { storedObject } from './stored-records.js';
import { type NamedFunction, namedFunction, optionalString, qualifierOf, requiredString, validation } from './call-input.js';
import type { ControlContext, HandlerTable } from './control-context.js';
import type { ManagementCall } from '../../management/management-port.js';

/** Lambda's limit on a function's resource policy, in bytes of its JSON. */
export const POLICY_MAX_BYTES = 20_480;

type Statement = Record<string, StoredValue>;

interface StoredPolicy {
  readonly statements: Statement[];
  readonly revisionId: string;
}

/** The policy's key and the ARN its statements name: qualified when the call named a qualifier. */
function scope(call: ManagementCall, named: NamedFunction): { key: string; resource: string } {
  const qualifier = qualifierOf(call, named);
  if (qualifier !== undefined && qualifier !== '$LATEST' && !named.entry.versions.has(qualifier) && !named.entry.aliases.has(qualifier)) {
    throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', `Function not found: ${named.entry.latest.config.arn}:${qualifier}`);
  }
  const arn = named.entry.latest.config.arn;
  return { key: `${named.name}:${qualifier ?? ''}`, resource: qualifier === undefined ? arn : `${arn}:${qualifier}` };
}

function load(context: ControlContext, key: string): StoredPolicy | undefined {
  const found = storedObject(context.settings.get('policy', key));
  if (found === undefined) return undefined;
  const statements = found['statements'];
  const revisionId = found['revisionId'];
  if (!Array.isArray(statements) || typeof revisionId !== 'string') return undefined;
  return { statements: statements as Statement[], revisionId };
}

/** Lambda's `Principal` member: a service, an account (as its root ARN), `*`, or an ARN. */
function principalOf(principal: string): StoredValue {
  if (principal === '*') return '*';
  if (/^[0-9]{12}$/.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
  if (principal.endsWith('.amazonaws.com') || principal.endsWith('.amazonaws.com.cn')) return { Service: principal };
  return { AWS: principal };
}

/** One statement as Lambda writes it from AddPermission's members. @example statementOf(call.body, arn) */
export function statementOf(body: Readonly<Record<string, unknown>>, resource: string): Statement {
  const sid = requiredString(body, 'StatementId', 100);
  if (!/^([a-zA-Z0-9-_.]+)$/.test(sid)) throw validation(sid, 'statementId', 'Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)');
  const action = requiredString(body, 'Action');
  if (!/^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/.test(action)) throw validation(action, 'action', 'Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])');
  const principal = requiredString(body, 'Principal');
  if (!/^[^\s]+$/.test(principal)) throw validation(principal, 'principal', 'Member must satisfy regular expression pattern: [^\\s]+');
  const sourceArn = optionalString(body, 'SourceArn');
  const sourceAccount = optionalString(body, 'SourceAccount', 12);
  const orgId = optionalString(body, 'PrincipalOrgID', 34);
  const urlAuth = optionalString(body, 'FunctionUrlAuthType');
  const token = optionalString(body, 'EventSourceToken', 256);
  if (urlAuth !== undefined && urlAuth !== 'NONE' && urlAuth !== 'AWS_IAM') throw validation(urlAuth, 'functionUrlAuthType', 'Member must satisfy enum value set: [NONE, AWS_IAM]');
  const equals: Record<string, string> = {};
  if (sourceAccount !== undefined) equals['AWS:SourceAccount'] = sourceAccount;
  if (orgId !== undefined) equals['aws:PrincipalOrgID'] = orgId;
  if (urlAuth !== undefined) equals['lambda:FunctionUrlAuthType'] = urlAuth;
  if (token !== undefined) equals['lambda:EventSourceToken'] = token;
  const condition: Record<string, StoredValue> = {};
  if (Object.keys(equals).length > 0) condition['StringEquals'] = equals;
  if (sourceArn !== undefined) condition['ArnLike'] = { 'AWS:SourceArn': sourceArn };
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: principalOf(principal),
    Action: action,
    Resource: resource,
    ...(Object.keys(condition).length === 0 ? {} : { Condition: condition }),
  };
}

/** The policy document as GetPolicy's `Policy` string. */
function documentOf(statements: readonly Statement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements });
}

function checkRevision(given: string | undefined, policy: StoredPolicy | undefined): void {
  const stale = revisionError(given, policy?.revisionId ?? '');
  if (stale !== undefined) throw new ServiceError(stale.code, stale.message);
}

export const PERMISSION_HANDLERS: HandlerTable = {
  AddPermission: async (context, call) => {
    const named = namedFunction(context, call);
    const { key, resource } = scope(call, named);
    const statement = statementOf(call.body, resource);
    const policy = load(context, key);
    checkRevision(optionalString(call.body, 'RevisionId'), policy);
    const statements = policy?.statements ?? [];
    if (statements.some((existing) => existing['Sid'] === statement['Sid'])) {
      throw new ServiceError('LAMINA_ERR_RESOURCE_CONFLICT', `The statement id (${String(statement['Sid'])}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    const next = [...statements, statement];
    const size = Buffer.byteLength(documentOf(next));
    if (size > POLICY_MAX_BYTES) throw new ServiceError('LAMINA_ERR_POLICY_LENGTH_EXCEEDED', `The final policy size (${size}) is bigger than the limit (${POLICY_MAX_BYTES}).`);
    await context.settings.put('policy', key, { statements: next, revisionId: randomUUID() });
    return { status: call.successStatus, body: { Statement: JSON.stringify(statement) } };
  },

  RemovePermission: async (context, call) => {
    const named = namedFunction(context, call);
    const { key } = scope(call, named);
    const sid = call.labels['StatementId'] ?? '';
    const policy = load(context, key);
    checkRevision(call.query['RevisionId'], policy);
    const statements = policy?.statements ?? [];
    if (!statements.some((existing) => existing['Sid'] === sid)) {
      throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', `Statement ${sid} is not found in resource policy.`);
    }
    const next = statements.filter((existing) => existing['Sid'] !== sid);
    if (next.length === 0) await context.settings.delete('policy', key);
    else await context.settings.put('policy', key, { statements: next, revisionId: randomUUID() });
    return { status: call.successStatus };
  },

  GetPolicy: (context, call) => {
    const named = namedFunction(context, call);
    const { key } = scope(call, named);
    const policy = load(context, key);
    if (policy === undefined) throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', 'The resource you requested does not exist.');
    return Promise.resolve({ status: call.successStatus, body: { Policy: documentOf(policy.statements), RevisionId: policy.revisionId } });
  },
};

