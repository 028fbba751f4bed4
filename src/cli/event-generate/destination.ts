/**
 * `lamina event generate destination on-success|on-failure|event-age-exceeded`: the invocation
 * record an asynchronous invoke sends its OnSuccess / OnFailure destination, built by
 * `invocationRecord` as the durable queue builds it (docs/destinations.md).
 */
import { randomUUID } from 'node:crypto';
import { invocationRecord, type RecordCondition, type RecordResponse } from '../../async/targets/invocation-record.js';
import type { EventKind, EventSourceGenerator, GenerateContext, OptionValues } from './generator-types.js';
import { jsonText, resourceName, text } from './option-values.js';

/** What a function that threw answers, as the runtime interface client reports it. */
const SAMPLE_ERROR = '{"errorType":"Error","errorMessage":"Something went wrong","trace":["Error: Something went wrong","    at Runtime.handler (file:///var/task/index.mjs:2:9)"]}';

function recordKind(name: string, condition: RecordCondition, description: string): EventKind {
  const ran = condition !== 'EventAgeExceeded';
  return {
    name,
    description,
    options: [
      { name: 'function-name', description: 'The function that was invoked', default: 'MyFunction' },
      { name: 'payload', description: 'The event the caller sent (JSON)', default: '{"key":"value"}' },
      ...(condition === 'Success' ? [{ name: 'response', description: "The function's answer (JSON)", default: '{"statusCode":200}' }] : []),
      ...(condition === 'RetriesExhausted' ? [{ name: 'error', description: "The function's error document (JSON)", default: SAMPLE_ERROR }] : []),
    ],
    build: (values: OptionValues, context: GenerateContext): unknown => {
      const functionName = resourceName(values, 'function-name');
      const response: RecordResponse | undefined = !ran
        ? undefined
        : condition === 'Success'
          ? { statusCode: 200, executedVersion: '$LATEST', payload: Buffer.from(jsonText(values, 'response') ?? 'null') }
          : { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled', payload: Buffer.from(jsonText(values, 'error') ?? 'null') };
      const record = invocationRecord({
        requestId: randomUUID(),
        functionArn: `arn:aws:lambda:${context.region}:${context.accountId}:function:${functionName}:$LATEST`,
        condition,
        // Lambda's default: the first attempt and two retries before a failure record; one for success.
        approximateInvokeCount: condition === 'Success' ? 1 : ran ? 3 : 0,
        requestPayload: Buffer.from(jsonText(values, 'payload') ?? text(values, 'payload')),
        response,
        timestamp: context.now,
      });
      return JSON.parse(record);
    },
  };
}

export const destinationGenerator: EventSourceGenerator = {
  name: 'destination',
  description: 'Asynchronous invocation records sent to OnSuccess / OnFailure destinations',
  kinds: [
    recordKind('on-success', 'Success', 'The record of an event the function handled'),
    recordKind('on-failure', 'RetriesExhausted', 'The record of an event whose attempts all failed'),
    recordKind('event-age-exceeded', 'EventAgeExceeded', 'The record of an event that aged out before the function ran'),
  ],
};
