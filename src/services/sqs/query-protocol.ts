/**
 * SQS's Query protocol, requests (docs/sqs-server.md, "The Query protocol"): a form
 * (`Action=SendMessage&QueueUrl=...`, in a POST body or a GET query string) translated into the
 * members the JSON 1.0 protocol carries, then typed by the same `actionFromMembers`, so both
 * protocols check values alike and differ only in how members are spelled.
 *
 * Lists and maps are "flattened" with 1-based indexes: `AttributeName.1`, `Attribute.1.Name` /
 * `Attribute.1.Value`, `MessageAttribute.1.Value.StringValue`, `SendMessageBatchRequestEntry.1.Id`.
 * Each list takes its model's location name first and the member's own name second, as clients
 * differ (TagQueue's `Tags.1.Key` has no location name; CreateQueue's `Tag.1.Key` has one).
 */
import { SqsError } from './sqs-errors.js';
import { actionFromMembers, isSqsActionName } from './sqs-protocol.js';
import type { SqsAction, SqsActionName } from './sqs-types.js';

/** A decoded form: each key once. */
export type Form = ReadonlyMap<string, string>;

type Shape =
  | 'string'
  | 'int'
  | { readonly list: readonly string[] }
  | { readonly map: readonly string[]; readonly key: 'Name' | 'Key' }
  | { readonly attributes: readonly string[] }
  | { readonly entries: readonly string[]; readonly members: Members };
type Members = Readonly<Record<string, Shape>>;

const SEND: Members = {
  MessageBody: 'string', DelaySeconds: 'int', MessageDeduplicationId: 'string', MessageGroupId: 'string',
  MessageAttributes: { attributes: ['MessageAttribute', 'MessageAttributes'] },
  MessageSystemAttributes: { attributes: ['MessageSystemAttribute', 'MessageSystemAttributes'] },
};
const QUEUE: Members = { QueueUrl: 'string' };
const ATTRIBUTES: Shape = { map: ['Attribute', 'Attributes'], key: 'Name' };

/** Each operation's members, by their JSON 1.0 names (the names actionFromMembers reads). */
const MEMBERS: Readonly<Record<SqsActionName, Members>> = {
  CreateQueue: { QueueName: 'string', Attributes: ATTRIBUTES, tags: { map: ['Tag', 'Tags'], key: 'Key' } },
  GetQueueUrl: { QueueName: 'string', QueueOwnerAWSAccountId: 'string' },
  ListQueues: { QueueNamePrefix: 'string', MaxResults: 'int', NextToken: 'string' },
  GetQueueAttributes: { ...QUEUE, AttributeNames: { list: ['AttributeName', 'AttributeNames'] } },
  SetQueueAttributes: { ...QUEUE, Attributes: ATTRIBUTES },
  DeleteQueue: QUEUE,
  PurgeQueue: QUEUE,
  ListDeadLetterSourceQueues: QUEUE,
  ListQueueTags: QUEUE,
  TagQueue: { ...QUEUE, Tags: { map: ['Tags', 'Tag'], key: 'Key' } },
  UntagQueue: { ...QUEUE, TagKeys: { list: ['TagKey', 'TagKeys'] } },
  SendMessage: { ...QUEUE, ...SEND },
  SendMessageBatch: { ...QUEUE, Entries: { entries: ['SendMessageBatchRequestEntry', 'Entries'], members: { Id: 'string', ...SEND } } },
  ReceiveMessage: {
    ...QUEUE, MaxNumberOfMessages: 'int', VisibilityTimeout: 'int', WaitTimeSeconds: 'int', ReceiveRequestAttemptId: 'string',
    AttributeNames: { list: ['AttributeName', 'AttributeNames'] },
    MessageSystemAttributeNames: { list: ['MessageSystemAttributeName', 'MessageSystemAttributeNames'] },
    MessageAttributeNames: { list: ['MessageAttributeName', 'MessageAttributeNames'] },
  },
  DeleteMessage: { ...QUEUE, ReceiptHandle: 'string' },
  DeleteMessageBatch: { ...QUEUE, Entries: { entries: ['DeleteMessageBatchRequestEntry', 'Entries'], members: { Id: 'string', ReceiptHandle: 'string' } } },
  ChangeMessageVisibility: { ...QUEUE, ReceiptHandle: 'string', VisibilityTimeout: 'int' },
  ChangeMessageVisibilityBatch: {
    ...QUEUE, Entries: { entries: ['ChangeMessageVisibilityBatchRequestEntry', 'Entries'], members: { Id: 'string', ReceiptHandle: 'string', VisibilityTimeout: 'int' } },
  },
};

/** Indexes are 1-based decimals without leading zeros; nine digits keep them exact and distinct. */
const INDEX = /^[1-9][0-9]{0,8}$/;

function malformed(message: string): SqsError {
  return new SqsError('LAMINA_ERR_SQS_MALFORMED_REQUEST', message);
}

function missing(name: string): SqsError {
  return new SqsError('LAMINA_ERR_SQS_MISSING_PARAMETER', `The request must contain the parameter ${name}.`);
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    // Bad percent escapes and bytes that are not UTF-8 (lone surrogates included) are refused, not guessed at.
    throw malformed(`The ${what} is not a valid percent-encoded UTF-8 string.`);
  }
}

/**
 * Decodes `application/x-www-form-urlencoded` text; a key given twice is refused, as nothing says
 * which of the two values a client meant.
 *
 * @example
 * parseForm('Action=ListQueues&QueueNamePrefix=a%20b'); // Map { Action => 'ListQueues', QueueNamePrefix => 'a b' }
 */
export function parseForm(text: string): Form {
  const form = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq), 'parameter name');
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1), `value of parameter ${key}`);
    if (form.has(key)) throw malformed(`The parameter ${key} is given more than once.`);
    form.set(key, value);
  }
  return form;
}

/**
 * The items of a flattened list or map, in index order: for `Entry.3.Id=a&Entry.1.Id=b`, under
 * `Entry`, [[1, {Id: b}], [3, {Id: a}]]. The first prefix that has items wins. Gaps are allowed;
 * an index is never used to size anything, so `Entry.99999999.Id` is one item, not a huge array.
 */
function indexed(form: Form, prefixes: readonly string[]): [string, Form][] | undefined {
  for (const prefix of prefixes) {
    const items = new Map<number, Map<string, string>>();
    const start = `${prefix}.`;
    for (const [key, value] of form) {
      if (!key.startsWith(start)) continue;
      const rest = key.slice(start.length);
      const dot = rest.indexOf('.');
      const index = dot < 0 ? rest : rest.slice(0, dot);
      if (!INDEX.test(index)) throw malformed(`The parameter ${key} does not have an index from 1 to 999999999 after ${prefix}.`);
      const n = Number(index);
      const item = items.get(n) ?? new Map<string, string>();
      items.set(n, item);
      item.set(dot < 0 ? '' : rest.slice(dot + 1), value);
    }
    if (items.size > 0) return [...items].sort(([a], [b]) => a - b).map(([n, item]) => [`${prefix}.${n}`, item]);
  }
  return undefined;
}

function need(item: Form, key: string, where: string): string {
  const value = item.get(key);
  if (value === undefined) throw missing(key === '' ? where : `${where}.${key}`);
  return value;
}

/** Map keys are checked here: a form can name one key twice where a JSON object cannot. */
function keyed<T>(items: [string, Form][], keyName: string, value: (item: Form, where: string) => T): Record<string, T> {
  const pairs: [string, T][] = [];
  const seen = new Set<string>();
  for (const [where, item] of items) {
    const key = need(item, keyName, where);
    if (seen.has(key)) throw new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value ${key} for parameter ${where}.${keyName} is invalid. Reason: it is given more than once.`);
    seen.add(key);
    pairs.push([key, value(item, where)]);
  }
  // fromEntries defines own properties, so a key named __proto__ stays data.
  return Object.fromEntries(pairs);
}

function attributeValue(item: Form): Record<string, string> {
  const fields: [string, string][] = [];
  for (const field of ['DataType', 'StringValue', 'BinaryValue']) {
    const v = item.get(`Value.${field}`);
    if (v !== undefined) fields.push([field, v]);
  }
  return Object.fromEntries(fields);
}

/** Integers become numbers; anything else stays a string for actionFromMembers to refuse by name. */
function integer(value: string): number | string {
  return /^[+-]?[0-9]{1,15}$/.test(value) ? Number(value) : value;
}

function members(form: Form, shapes: Members): Record<string, unknown> {
  const out: [string, unknown][] = [];
  for (const [name, shape] of Object.entries(shapes)) {
    const value = member(form, name, shape);
    if (value !== undefined) out.push([name, value]);
  }
  return Object.fromEntries(out);
}

function member(form: Form, name: string, shape: Shape): unknown {
  if (shape === 'string') return form.get(name);
  if (shape === 'int') {
    const v = form.get(name);
    return v === undefined ? undefined : integer(v);
  }
  if ('list' in shape) return indexed(form, shape.list)?.map(([where, item]) => need(item, '', where));
  if ('map' in shape) {
    const items = indexed(form, shape.map);
    return items === undefined ? undefined : keyed(items, shape.key, (item, where) => need(item, 'Value', where));
  }
  if ('attributes' in shape) {
    const items = indexed(form, shape.attributes);
    return items === undefined ? undefined : keyed(items, 'Name', (item) => attributeValue(item));
  }
  const items = indexed(form, shape.entries);
  // An empty list is sent as the bare member name (`Entries=`); the batch check then refuses it.
  if (items === undefined) return form.has(name) ? [] : undefined;
  return items.map(([, item]) => members(item, shape.members));
}

/**
 * The typed action of one Query request. `path` is the request's path: older clients post to the
 * queue's URL and leave `QueueUrl` out, so the path stands in for it.
 *
 * @example
 * parseQueryRequest(parseForm('Action=PurgeQueue&QueueUrl=http%3A%2F%2Fh%2F1%2Fjobs'), '/');
 */
export function parseQueryRequest(form: Form, path: string): SqsAction {
  const name = form.get('Action');
  if (name === undefined || name === '') throw new SqsError('LAMINA_ERR_SQS_MISSING_ACTION', 'The request must contain the parameter Action.');
  if (!isSqsActionName(name)) throw new SqsError('LAMINA_ERR_SQS_INVALID_ACTION', `The action ${name} is not valid for this endpoint.`);
  const shapes = MEMBERS[name];
  const input = members(form, shapes);
  if ('QueueUrl' in shapes && input['QueueUrl'] === undefined && path.split('/').some((p) => p !== '')) input['QueueUrl'] = path;
  return actionFromMembers(name, input);
}
