/**
 * The sources of `lamina event generate`, in the order they are listed. A new source is one module
 * exporting an `EventSourceGenerator` (see ./generator-types.ts) and one line here.
 */
import { albGenerator } from './alb.js';
import { apigatewayGenerator } from './apigateway.js';
import { destinationGenerator } from './destination.js';
import { eventBridgeGenerator } from './eventbridge.js';
import { functionUrlGenerator } from './function-url.js';
import type { EventSourceGenerator } from './generator-types.js';
import { kinesisGenerator } from './kinesis.js';
import { s3Generator } from './s3.js';
import { scheduleGenerator } from './schedule.js';
import { sqsGenerator } from './sqs.js';

export const EVENT_GENERATORS: readonly EventSourceGenerator[] = [
  apigatewayGenerator,
  albGenerator,
  functionUrlGenerator,
  sqsGenerator,
  kinesisGenerator,
  s3Generator,
  scheduleGenerator,
  eventBridgeGenerator,
  destinationGenerator,
];
