/**
 * HelloNode: answers with a greeting, the event it received and the request id.
 * @param {unknown} event
 * @param {import('aws-lambda').Context} context
 */
export const handler = async (event, context) => {
  console.log(`HelloNode invoked in stage ${process.env.STAGE}, event: ${JSON.stringify(event)}`);
  return { message: 'Hello from Lamina', input: event, requestId: context.awsRequestId };
};
