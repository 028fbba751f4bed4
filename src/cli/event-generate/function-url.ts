/**
 * `lamina event generate function-url request`: the event a function URL sends (payload format
 * 2.0 with the URL's own request context), built by the function URL front end's
 * `functionUrlEvent`; `--iam-access-key` adds the `AWS_IAM` caller as a signed request would.
 */
import { randomUUID } from 'node:crypto';
import { ConfigError } from '../../errors.js';
import { functionUrlEvent, urlIdOf } from '../../front-ends/function-urls/url-event.js';
import type { EventSourceGenerator } from './generator-types.js';
import { optionalText, resourceName } from './option-values.js';
import { requestOptions, sampleRequest } from './sample-request.js';

export const functionUrlGenerator: EventSourceGenerator = {
  name: 'function-url',
  description: 'Lambda function URLs (FunctionUrlConfig)',
  kinds: [{
    name: 'request',
    description: 'A request to a function URL',
    options: [
      ...requestOptions('/'),
      { name: 'function-name', description: "The function's name (the URL's id is derived from it)", default: 'MyFunction' },
      { name: 'iam-access-key', description: 'The access key id of an AWS_IAM caller (default: an AuthType NONE URL)' },
    ],
    build: (values, context) => {
      const functionName = resourceName(values, 'function-name');
      const key = optionalText(values, 'iam-access-key');
      if (key !== undefined && !/^[A-Z0-9]{16,128}$/.test(key)) throw new ConfigError(`--iam-access-key must be an access key id (16-128 upper-case letters and digits), got ${JSON.stringify(key)}`);
      const url = { id: `${functionName}Url`, functionName, qualifier: undefined, authType: key === undefined ? 'NONE' as const : 'AWS_IAM' as const, invokeMode: 'BUFFERED' as const, cors: undefined };
      const request = sampleRequest(values, `${urlIdOf(url.id)}.lambda-url.${context.region}.on.aws`, context.now);
      return functionUrlEvent(request, { url, accountId: context.accountId, region: context.region }, randomUUID(), key === undefined ? undefined : { accessKeyId: key });
    },
  }],
};
