/**
 * The AWS SDK clients the target sender uses: one per (service, region, endpoint), made on first
 * use and kept until `close()`. Their settings suit a caller that retries on its own (Lamina's
 * durable queue): few attempts and a deadline on every request (docs/destinations.md).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { isLoopbackEndpoint } from './target-endpoints.js';

export interface TargetCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface ClientOptions {
  /** Used for every endpoint when given. */
  readonly credentials?: TargetCredentials | undefined;
  /** The deadline of one send, every attempt and the queue-URL look-up included. */
  readonly requestTimeoutMs: number;
}

/**
 * LocalStack accepts any key and treats `test`/`test` as its default account. Lamina uses them
 * only on loopback, so a remote endpoint never receives made-up credentials (and a user's real
 * ones, from the default provider chain, are never sent to a local emulator unless given).
 */
export const LOOPBACK_CREDENTIALS: TargetCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * Attempts per request. Two, not one: a keep-alive socket the server closed between deliveries
 * fails the first write, and the SDK's one retry on a fresh socket hides that; everything else is
 * the durable queue's to retry, with its own backoff.
 */
export const MAX_ATTEMPTS = 2;

type Client = SQSClient | SNSClient | EventBridgeClient;

/** Lazily made SDK clients, shared by every delivery to the same service, region and endpoint. */
export class TargetClients {
  readonly #options: ClientOptions;
  readonly #clients = new Map<string, Client>();

  constructor(options: ClientOptions) {
    this.#options = options;
  }

  /** @example clients.sqs('us-east-1', 'http://127.0.0.1:9324').send(command, { abortSignal }); */
  sqs(region: string, endpoint: string): SQSClient {
    // The queue URL's host is not used as the endpoint: an emulator's URLs often name a host
    // (`sqs.us-east-1.localhost.localstack.cloud`) that this machine cannot resolve.
    return this.#get('sqs', region, endpoint, (config) => new SQSClient({ ...config, useQueueUrlAsEndpoint: false }));
  }

  /** @example clients.sns('us-east-1', 'http://127.0.0.1:4566'); */
  sns(region: string, endpoint: string): SNSClient {
    return this.#get('sns', region, endpoint, (config) => new SNSClient(config));
  }

  /** @example clients.events('us-east-1', 'http://127.0.0.1:4566'); */
  events(region: string, endpoint: string): EventBridgeClient {
    return this.#get('events', region, endpoint, (config) => new EventBridgeClient(config));
  }

  /** Destroy every client (their sockets close); later calls make new ones. */
  close(): void {
    for (const client of this.#clients.values()) client.destroy();
    this.#clients.clear();
  }

  #get<T extends Client>(service: string, region: string, endpoint: string, make: (config: ClientConfig) => T): T {
    const key = `${service}\n${region}\n${endpoint}`;
    const known = this.#clients.get(key);
    if (known !== undefined) return known as T;
    const credentials = this.#options.credentials ?? (isLoopbackEndpoint(endpoint) ? LOOPBACK_CREDENTIALS : undefined);
    const timeout = this.#options.requestTimeoutMs;
    const client = make({
      region,
      endpoint,
      maxAttempts: MAX_ATTEMPTS,
      // Without credentials the SDK's default provider chain applies (environment, profile, SSO, IMDS).
      ...(credentials === undefined ? {} : { credentials }),
      requestHandler: { connectionTimeout: timeout, requestTimeout: timeout },
    });
    this.#clients.set(key, client);
    return client;
  }
}

interface ClientConfig {
  readonly region: string;
  readonly endpoint: string;
  readonly maxAttempts: number;
  readonly credentials?: TargetCredentials;
  readonly requestHandler: { readonly connectionTimeout: number; readonly requestTimeout: number };
}
