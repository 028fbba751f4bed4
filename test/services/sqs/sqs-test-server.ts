/** Starts the SQS server on 127.0.0.1 in a fresh directory, with an SDK client pointed at it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDefinition } from '../../../src/async/async-types.js';
import { startSqsServer, type SqsServer } from '../../../src/services/sqs/sqs-server.js';

export interface TestSqs {
  server: SqsServer;
  client: SQSClient;
  dir: string;
  dbPath: string;
  /** Stops the server (the directory stays, for a restart). */
  stop(): Promise<void>;
  /** Stops the server and removes the directory. */
  dispose(): Promise<void>;
}

export function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLAMINATEST', secretAccessKey: 'secret' }, maxAttempts: 1 });
}

export async function startTestSqs(queues: QueueDefinition[] = [], dir = mkdtempSync(join(tmpdir(), 'lamina-sqs-'))): Promise<TestSqs> {
  const dbPath = join(dir, 'sqs.db');
  const server = await startSqsServer({ host: '127.0.0.1', port: 0, dbPath, region: 'us-east-1', accountId: '123456789012', queues });
  const client = sqsClient(server.endpoint);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    client.destroy();
    await server.close();
  };
  return { server, client, dir, dbPath, stop, dispose: async () => { await stop(); rmSync(dir, { recursive: true, force: true }); } };
}

/** A template queue with SQS's defaults. */
export function queueDefinition(name: string, extra: Partial<QueueDefinition> = {}): QueueDefinition {
  return {
    logicalId: name.replace(/[^A-Za-z0-9]/g, ''), name, arn: `arn:aws:sqs:us-east-1:123456789012:${name}`, fifo: name.endsWith('.fifo'),
    visibilityTimeout: 30, messageRetentionPeriod: 345_600, delaySeconds: 0, receiveMessageWaitTimeSeconds: 0,
    maximumMessageSize: 1_048_576, contentBasedDeduplication: false, ...extra,
  };
}
