import { greeting } from './greeting';

interface HelloEvent {
  readonly name?: string;
}

interface HelloResult {
  readonly message: string;
  readonly requestId: string;
}

export const handler = async (event: HelloEvent, context: { awsRequestId: string }): Promise<HelloResult> => {
  return { message: greeting(event.name ?? 'world'), requestId: context.awsRequestId };
};
