/**
 * SQS's Query protocol, answers (docs/sqs-server.md, "The Query protocol"): the output objects the
 * operations return (the JSON 1.0 members) rendered as SQS's XML, and errors as its
 * `<ErrorResponse>`. Lists and maps are flattened as the 2012-11-05 model says: one `<QueueUrl>`
 * per URL, `<Attribute><Name/><Value/></Attribute>` per attribute, `<Message>` per message.
 */
import type { SqsError } from './sqs-errors.js';
import type { SqsActionName } from './sqs-types.js';

export const QUERY_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** Element names of a list's items, by the list's member name (flattened: no wrapper element). */
const LIST_ITEMS: Readonly<Record<string, string>> = { QueueUrls: 'QueueUrl', queueUrls: 'QueueUrl', Messages: 'Message', Failed: 'BatchResultErrorEntry' };

/** Maps: the element of one pair and the name of its key element (its value is always `<Value>`). */
const MAPS: Readonly<Record<string, { readonly item: string; readonly key: string }>> = {
  Attributes: { item: 'Attribute', key: 'Name' },
  MessageAttributes: { item: 'MessageAttribute', key: 'Name' },
  Tags: { item: 'Tag', key: 'Key' },
};

/** Operations whose model has an output: their answer carries a `<…Result>` element even when empty. */
const WITH_RESULT: ReadonlySet<SqsActionName> = new Set<SqsActionName>([
  'CreateQueue', 'GetQueueUrl', 'ListQueues', 'GetQueueAttributes', 'ListDeadLetterSourceQueues', 'ListQueueTags',
  'SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch',
]);

/**
 * Text for XML element content. `&`, `<` and `>` are escaped as usual; a carriage return is written
 * as `&#xD;` because XML parsers turn a literal CR (or CRLF) into LF, which would change a body and
 * break its MD5 on the client. Code points XML 1.0 cannot carry at all (control characters, lone
 * surrogates, U+FFFE/U+FFFF) become U+FFFD: bodies never hold them (SQS refuses them at send), but
 * error messages may quote what a caller sent.
 *
 * @example
 * escapeXml('a<b & c\r\n'); // 'a&lt;b &amp; c&#xD;\n'
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"\r]|[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      case '\r': return '&#xD;';
      default: return '\uFFFD';
    }
  });
}

function element(name: string, value: unknown, action: SqsActionName): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    const item = name === 'Successful' ? `${action}ResultEntry` : LIST_ITEMS[name] ?? name;
    return value.map((v) => element(item, v, action)).join('');
  }
  const map = MAPS[name];
  if (typeof value === 'object') {
    const pairs = Object.entries(value);
    if (map !== undefined) return pairs.map(([k, v]) => `<${map.item}><${map.key}>${escapeXml(k)}</${map.key}>${element('Value', v, action)}</${map.item}>`).join('');
    return `<${name}>${pairs.map(([k, v]) => element(k, v, action)).join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/**
 * The XML answer of a successful Query request, from the operation's output object.
 *
 * @example
 * renderQueryResult('GetQueueUrl', { QueueUrl: 'http://h/1/q' }, 'req-1');
 * // '<?xml version="1.0"?><GetQueueUrlResponse xmlns="..."><GetQueueUrlResult><QueueUrl>http://h/1/q</QueueUrl>...'
 */
export function renderQueryResult(action: SqsActionName, output: object, requestId: string): string {
  const members = Object.entries(output).map(([k, v]) => element(k, v, action)).join('');
  const result = WITH_RESULT.has(action) ? `<${action}Result>${members}</${action}Result>` : '';
  return `<?xml version="1.0"?><${action}Response xmlns="${QUERY_NAMESPACE}">${result}<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${action}Response>`;
}

/**
 * The XML body of an error: its Query code (the legacy one where it differs from the JSON shape
 * name, such as `AWS.SimpleQueueService.NonExistentQueue`) and fault. The status is the JSON path's.
 *
 * @example
 * const { status, body } = renderQueryError(err, 'req-1');
 */
export function renderQueryError(err: SqsError, requestId: string): { status: number; body: string } {
  const error = `<Error><Type>${err.spec.fault}</Type><Code>${escapeXml(err.spec.queryCode)}</Code><Message>${escapeXml(err.message)}</Message><Detail/></Error>`;
  return { status: err.spec.status, body: `<?xml version="1.0"?><ErrorResponse xmlns="${QUERY_NAMESPACE}">${error}<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>` };
}
