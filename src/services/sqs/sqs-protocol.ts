/**
 * The AWS JSON 1.0 protocol of SQS (docs/sqs-server.md): `POST /` with
 * `X-Amz-Target: AmazonSQS.<Operation>` and an `application/x-amz-json-1.0` body. This module turns
 * one request into a typed `SqsAction`, checking every member's type; the operations check values.
 */
import { validateMessageAttributes } from './message-attributes.js';
import { SqsError } from './sqs-errors.js';
import type { ChangeVisibilityEntry, DeleteEntry, ReceiveMessageInput, SendEntry, SendMessageInput, SqsAction, SqsActionName } from './sqs-types.js';

type Json = Record<string, unknown>;

const ACTIONS: ReadonlySet<string> = new Set<SqsActionName>([
  'CreateQueue', 'GetQueueUrl', 'ListQueues', 'GetQueueAttributes', 'SetQueueAttributes', 'DeleteQueue', 'PurgeQueue',
  'ListDeadLetterSourceQueues', 'ListQueueTags', 'TagQueue', 'UntagQueue', 'SendMessage', 'SendMessageBatch',
  'ReceiveMessage', 'DeleteMessage', 'DeleteMessageBatch', 'ChangeMessageVisibility', 'ChangeMessageVisibilityBatch',
]);

function invalid(name: string, why: string): SqsError {
  return new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', `Value for parameter ${name} is invalid. Reason: ${why}`);
}

function required(o: Json, name: string): string {
  const v = o[name];
  if (v === undefined || v === null) throw new SqsError('LAMINA_ERR_SQS_MISSING_PARAMETER', `The request must contain the parameter ${name}.`);
  if (typeof v !== 'string') throw invalid(name, 'must be a string.');
  return v;
}

function optionalString(o: Json, name: string): string | undefined {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(name, 'must be a string.');
  return v;
}

function optionalInt(o: Json, name: string): number | undefined {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(name, 'must be an integer.');
  return v;
}

function stringList(o: Json, name: string): string[] {
  const v = o[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(name, 'must be a list of strings.');
  return v as string[];
}

function stringMap(o: Json, name: string): Record<string, string> {
  const v = o[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) throw invalid(name, 'must be a map of strings.');
  return v as Record<string, string>;
}

function entries(o: Json): Json[] {
  const v = o['Entries'];
  if (v === undefined || v === null) throw new SqsError('LAMINA_ERR_SQS_MISSING_PARAMETER', 'The request must contain the parameter Entries.');
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null || Array.isArray(x))) throw invalid('Entries', 'must be a list of structures.');
  return v as Json[];
}

function sendFields(o: Json): Omit<SendMessageInput, 'QueueUrl'> {
  return {
    MessageBody: required(o, 'MessageBody'),
    DelaySeconds: optionalInt(o, 'DelaySeconds'),
    MessageAttributes: validateMessageAttributes(o['MessageAttributes'], 'MessageAttributes'),
    MessageSystemAttributes: validateMessageAttributes(o['MessageSystemAttributes'], 'MessageSystemAttributes'),
    MessageDeduplicationId: optionalString(o, 'MessageDeduplicationId'),
    MessageGroupId: optionalString(o, 'MessageGroupId'),
  };
}

function receiveFields(o: Json): ReceiveMessageInput {
  return {
    QueueUrl: required(o, 'QueueUrl'),
    MaxNumberOfMessages: optionalInt(o, 'MaxNumberOfMessages'),
    VisibilityTimeout: optionalInt(o, 'VisibilityTimeout'),
    WaitTimeSeconds: optionalInt(o, 'WaitTimeSeconds'),
    // The SDK sends the deprecated AttributeNames and its successor; either asks for the same thing.
    AttributeNames: [...stringList(o, 'AttributeNames'), ...stringList(o, 'MessageSystemAttributeNames')],
    MessageAttributeNames: stringList(o, 'MessageAttributeNames'),
    ReceiveRequestAttemptId: optionalString(o, 'ReceiveRequestAttemptId'),
  };
}

/** A batch entry whose members are malformed fails alone, as SQS answers it in `Failed`. */
function sendEntry(e: Json): SendEntry {
  const Id = entryId(e);
  try {
    return { Id, ...sendFields(e) };
  } catch (err) {
    return { Id, MessageBody: '', rejected: err instanceof Error ? err : new Error(String(err)) };
  }
}

/** Batch entries: a bad entry id fails the batch as a whole (checked later), not the shape. */
function entryId(e: Json): string {
  return required(e, 'Id');
}

/**
 * Whether a name is one of the operations this server serves (both protocols share the list).
 *
 * @example
 * isSqsActionName('SendMessage'); // true
 */
export function isSqsActionName(name: string): name is SqsActionName {
  return ACTIONS.has(name);
}

/**
 * The typed action of one JSON 1.0 request.
 *
 * @example
 * parseJsonRequest('AmazonSQS.SendMessage', '{"QueueUrl":"...","MessageBody":"hi"}');
 */
export function parseJsonRequest(target: string | undefined, body: string): SqsAction {
  const name = target?.startsWith('AmazonSQS.') === true ? target.slice('AmazonSQS.'.length) : undefined;
  if (name === undefined || !isSqsActionName(name)) throw new SqsError('LAMINA_ERR_SQS_INVALID_ACTION', `The action ${name ?? target ?? '(none)'} is not valid for this endpoint.`);
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new SqsError('LAMINA_ERR_SQS_MALFORMED_REQUEST', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SqsError('LAMINA_ERR_SQS_MALFORMED_REQUEST', 'The request body must be a JSON object.');
  return actionFromMembers(name, parsed as Json);
}

/**
 * The typed action from an operation's members in their JSON 1.0 form: the JSON protocol's
 * parsed body, or what the Query protocol's translation (query-protocol.ts) built from a form, so
 * both protocols check members the same way.
 *
 * @example
 * actionFromMembers('PurgeQueue', { QueueUrl: 'jobs' });
 */
export function actionFromMembers(action: SqsActionName, o: Json): SqsAction {
  const QueueUrl = (): string => required(o, 'QueueUrl');
  switch (action) {
    case 'CreateQueue': return { action, input: { QueueName: required(o, 'QueueName'), Attributes: stringMap(o, 'Attributes'), tags: stringMap(o, 'tags') } };
    case 'GetQueueUrl': return { action, input: { QueueName: required(o, 'QueueName'), QueueOwnerAWSAccountId: optionalString(o, 'QueueOwnerAWSAccountId') } };
    case 'ListQueues': return { action, input: { QueueNamePrefix: optionalString(o, 'QueueNamePrefix'), MaxResults: optionalInt(o, 'MaxResults'), NextToken: optionalString(o, 'NextToken') } };
    case 'GetQueueAttributes': return { action, input: { QueueUrl: QueueUrl(), AttributeNames: stringList(o, 'AttributeNames') } };
    case 'SetQueueAttributes': return { action, input: { QueueUrl: QueueUrl(), Attributes: stringMap(o, 'Attributes') } };
    case 'DeleteQueue':
    case 'PurgeQueue':
    case 'ListDeadLetterSourceQueues':
    case 'ListQueueTags': return { action, input: { QueueUrl: QueueUrl() } };
    case 'TagQueue': return { action, input: { QueueUrl: QueueUrl(), Tags: stringMap(o, 'Tags') } };
    case 'UntagQueue': return { action, input: { QueueUrl: QueueUrl(), TagKeys: stringList(o, 'TagKeys') } };
    case 'SendMessage': return { action, input: { QueueUrl: QueueUrl(), ...sendFields(o) } };
    case 'SendMessageBatch': {
      const url = QueueUrl();
      return { action, input: { QueueUrl: url, Entries: entries(o).map((e): SendEntry => sendEntry(e)) } };
    }
    case 'ReceiveMessage': return { action, input: receiveFields(o) };
    case 'DeleteMessage': return { action, input: { QueueUrl: QueueUrl(), ReceiptHandle: required(o, 'ReceiptHandle') } };
    case 'DeleteMessageBatch': {
      const url = QueueUrl();
      return { action, input: { QueueUrl: url, Entries: entries(o).map((e): DeleteEntry => ({ Id: entryId(e), ReceiptHandle: required(e, 'ReceiptHandle') })) } };
    }
    case 'ChangeMessageVisibility': {
      const VisibilityTimeout = optionalInt(o, 'VisibilityTimeout');
      if (VisibilityTimeout === undefined) throw new SqsError('LAMINA_ERR_SQS_MISSING_PARAMETER', 'The request must contain the parameter VisibilityTimeout.');
      return { action, input: { QueueUrl: QueueUrl(), ReceiptHandle: required(o, 'ReceiptHandle'), VisibilityTimeout } };
    }
    case 'ChangeMessageVisibilityBatch': {
      const url = QueueUrl();
      return { action, input: { QueueUrl: url, Entries: entries(o).map((e): ChangeVisibilityEntry => ({ Id: entryId(e), ReceiptHandle: required(e, 'ReceiptHandle'), VisibilityTimeout: optionalInt(e, 'VisibilityTimeout') ?? 0 })) } };
    }
  }
}
