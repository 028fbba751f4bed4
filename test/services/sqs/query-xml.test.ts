import { describe, expect, it } from 'vitest';
import { escapeXml, renderQueryError, renderQueryResult } from '../../../src/services/sqs/query-xml.js';
import { SqsError } from '../../../src/services/sqs/sqs-errors.js';

const NS = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** XML 1.0's Char production: what any rendered document may hold. */
const XML_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

describe('escapeXml', () => {
  it('escapes markup, keeps tab and newline, writes CR as a reference so parsers do not fold it', () => {
    expect(escapeXml('a<b>&"c\'\t\r\n]]>')).toBe('a&lt;b&gt;&amp;&quot;c\'\t&#xD;\n]]&gt;');
  });

  it('replaces code points XML cannot carry, and keeps astral characters whole', () => {
    expect(escapeXml('\u0000\u0001\u001f\uFFFE\uFFFF\uD800x\uDC00\u{1F600}')).toBe('\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFDx\uFFFD\u{1F600}');
    const every = Array.from({ length: 0x3000 }, (_, i) => String.fromCharCode(i)).join('') + '\uD83D\uFFFE\uDE00';
    expect(escapeXml(every)).toMatch(XML_CHARS);
  });
});

describe('renderQueryResult', () => {
  it('wraps a result with the namespace and the request id', () => {
    expect(renderQueryResult('GetQueueUrl', { QueueUrl: 'http://h:1/000000000000/q' }, 'rid-1')).toBe(
      `<?xml version="1.0"?><GetQueueUrlResponse xmlns="${NS}"><GetQueueUrlResult><QueueUrl>http://h:1/000000000000/q</QueueUrl></GetQueueUrlResult>`
      + '<ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></GetQueueUrlResponse>',
    );
  });

  it('leaves the Result element out of operations without an output, keeps it empty for ones with', () => {
    expect(renderQueryResult('DeleteMessage', {}, 'r')).toBe(`<?xml version="1.0"?><DeleteMessageResponse xmlns="${NS}"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteMessageResponse>`);
    expect(renderQueryResult('ReceiveMessage', {}, 'r')).toContain('<ReceiveMessageResult></ReceiveMessageResult>');
  });

  it('flattens lists and maps as the 2012-11-05 model names them', () => {
    expect(renderQueryResult('ListQueues', { QueueUrls: ['u1', 'u2'], NextToken: 't' }, 'r')).toContain('<ListQueuesResult><QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl><NextToken>t</NextToken></ListQueuesResult>');
    expect(renderQueryResult('ListDeadLetterSourceQueues', { queueUrls: ['u'] }, 'r')).toContain('<ListDeadLetterSourceQueuesResult><QueueUrl>u</QueueUrl></ListDeadLetterSourceQueuesResult>');
    expect(renderQueryResult('GetQueueAttributes', { Attributes: { VisibilityTimeout: '30', Policy: '{"a":"<"}' } }, 'r'))
      .toContain('<Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute><Attribute><Name>Policy</Name><Value>{&quot;a&quot;:&quot;&lt;&quot;}</Value></Attribute>');
    expect(renderQueryResult('ListQueueTags', { Tags: { 'a&b': '' } }, 'r')).toContain('<Tag><Key>a&amp;b</Key><Value></Value></Tag>');
  });

  it('renders batch results with per-action entry names and booleans as words', () => {
    const xml = renderQueryResult('SendMessageBatch', {
      Successful: [{ Id: 'a', MessageId: 'm', MD5OfMessageBody: 'd', SequenceNumber: '00000000000000000001' }],
      Failed: [{ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad <value>' }],
    }, 'r');
    expect(xml).toContain('<SendMessageBatchResultEntry><Id>a</Id><MessageId>m</MessageId><MD5OfMessageBody>d</MD5OfMessageBody><SequenceNumber>00000000000000000001</SequenceNumber></SendMessageBatchResultEntry>');
    expect(xml).toContain('<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code><Message>bad &lt;value&gt;</Message></BatchResultErrorEntry>');
    expect(renderQueryResult('DeleteMessageBatch', { Successful: [{ Id: 'x' }], Failed: [] }, 'r')).toContain('<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>x</Id></DeleteMessageBatchResultEntry></DeleteMessageBatchResult>');
  });

  it('renders messages with escaped bodies, system attributes and typed message attributes', () => {
    const xml = renderQueryResult('ReceiveMessage', {
      Messages: [{
        MessageId: 'm', ReceiptHandle: 'h', MD5OfBody: 'd', Body: '<x a="1">&amp;</x>\r\n\u{1F600}',
        Attributes: { SenderId: 'AKID' }, MD5OfMessageAttributes: 'e',
        MessageAttributes: { s: { DataType: 'String', StringValue: '<' }, b: { DataType: 'Binary', BinaryValue: 'AAEC' } },
      }],
    }, 'r');
    expect(xml).toContain('<Body>&lt;x a=&quot;1&quot;&gt;&amp;amp;&lt;/x&gt;&#xD;\n\u{1F600}</Body>');
    expect(xml).toContain('<Attribute><Name>SenderId</Name><Value>AKID</Value></Attribute>');
    expect(xml).toContain('<MessageAttribute><Name>s</Name><Value><DataType>String</DataType><StringValue>&lt;</StringValue></Value></MessageAttribute>');
    expect(xml).toContain('<MessageAttribute><Name>b</Name><Value><DataType>Binary</DataType><BinaryValue>AAEC</BinaryValue></Value></MessageAttribute>');
    expect(xml.match(/<Message>/g)).toHaveLength(1);
    expect(xml).not.toContain('\r');
  });
});

describe('renderQueryError', () => {
  it('uses the legacy Query code, the fault and the JSON path status', () => {
    const { status, body } = renderQueryError(new SqsError('LAMINA_ERR_SQS_QUEUE_DOES_NOT_EXIST', 'The specified queue does not exist.'), 'rid');
    expect(status).toBe(400);
    expect(body).toBe(`<?xml version="1.0"?><ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>`
      + '<Message>The specified queue does not exist.</Message><Detail/></Error><RequestId>rid</RequestId></ErrorResponse>');
    expect(renderQueryError(new SqsError('LAMINA_ERR_SQS_PURGE_IN_PROGRESS', 'x'), 'r').status).toBe(403);
    expect(renderQueryError(new SqsError('LAMINA_ERR_SQS_INTERNAL', 'x'), 'r').body).toContain('<Type>Receiver</Type><Code>InternalError</Code>');
  });

  it('keeps a message quoting hostile input well formed', () => {
    const { body } = renderQueryError(new SqsError('LAMINA_ERR_SQS_INVALID_PARAMETER_VALUE', 'Message (user) attribute name \'</Message><x>\u0000\u0007\' is invalid.'), 'r');
    expect(body).toContain('<Message>Message (user) attribute name \'&lt;/Message&gt;&lt;x&gt;\uFFFD\uFFFD\' is invalid.</Message>');
    expect(body).toMatch(XML_CHARS);
  });
});
