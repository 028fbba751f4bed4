/** The real AWS SDK Lambda client pointed at a local Lamina, retries off (throttling stays visible). */
import { LambdaClient } from '@aws-sdk/client-lambda';

export function localLambdaClient(endpoint: string): LambdaClient {
  return new LambdaClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}
