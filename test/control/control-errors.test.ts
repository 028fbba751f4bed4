import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CodeStorageExceededException, CreateFunctionCommand, InvalidParameterValueException, InvalidZipFileException, LambdaServiceException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_ERRORS, controlError, renderControlError, type ControlError } from '../../src/control/control-errors.js';
import { SERVICE_ERRORS } from '../../src/errors.js';
import { localLambdaClient } from '../helpers/lambda-client.js';

describe('the control plane error catalogue', () => {
  it('has well-formed codes that match their keys and do not collide with the Invoke API catalogue', () => {
    for (const [key, spec] of Object.entries(CONTROL_ERRORS)) {
      expect(spec.code).toBe(key);
      expect(key).toMatch(/^LAMINA_ERR_LAMBDA_[A-Z_]+$/);
      expect(spec.name).toMatch(/^[A-Z][A-Za-z]+Exception$/);
      expect(Object.keys(SERVICE_ERRORS)).not.toContain(key);
    }
  });

  it('renders the REST-JSON shape: status, x-amzn-ErrorType, {"Type","message"}', () => {
    const answer = renderControlError(controlError('LAMINA_ERR_LAMBDA_UNZIPPED_TOO_LARGE', 'Unzipped size must be smaller than 262144000 bytes', 'detail stays home'));
    expect(answer.status).toBe(400);
    expect(answer.headers['x-amzn-ErrorType']).toBe('InvalidParameterValueException');
    expect(JSON.parse(answer.body)).toEqual({ Type: 'User', message: 'Unzipped size must be smaller than 262144000 bytes' });
    expect(answer.body).not.toContain('detail stays home');
    expect(JSON.parse(renderControlError(controlError('LAMINA_ERR_LAMBDA_INVALID_ZIP_FILE', 'm')).body)).toEqual({ Type: 'Service', Message: 'm' });
  });
});

describe('the AWS SDK reads the rendered errors as Lambda\'s', () => {
  let server: Server;
  let endpoint: string;
  let next: ControlError = controlError('LAMINA_ERR_LAMBDA_INVALID_ZIP', 'unset');

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const { status, headers, body } = renderControlError(next);
        response.writeHead(status, headers).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const cases: [ControlError, new (...args: never[]) => LambdaServiceException, string][] = [
    [controlError('LAMINA_ERR_LAMBDA_INVALID_ZIP', 'Could not unzip uploaded file.'), InvalidParameterValueException, 'InvalidParameterValueException'],
    [controlError('LAMINA_ERR_LAMBDA_CODE_STORAGE_EXCEEDED', 'Code storage limit exceeded.'), CodeStorageExceededException, 'CodeStorageExceededException'],
    [controlError('LAMINA_ERR_LAMBDA_INVALID_ZIP_FILE', 'Lambda was unable to unzip.'), InvalidZipFileException, 'InvalidZipFileException'],
    // Not in the SDK's model: a generic exception carrying the name and status.
    [controlError('LAMINA_ERR_LAMBDA_REQUEST_TOO_LARGE', 'Request must be smaller than 69905067 bytes for the CreateFunction operation'), LambdaServiceException, 'RequestEntityTooLargeException'],
  ];
  for (const [error, type, name] of cases) {
    it(`${error.code} arrives as ${name} with its message and status`, async () => {
      next = error;
      const client = localLambdaClient(endpoint);
      const thrown = await client.send(new CreateFunctionCommand({ FunctionName: 'f', Role: 'arn:aws:iam::000000000000:role/r', Code: { ZipFile: new Uint8Array([1]) } })).catch((err: unknown) => err);
      client.destroy();
      expect(thrown).toBeInstanceOf(type);
      const exception = thrown as LambdaServiceException;
      expect(exception.name).toBe(name);
      expect(exception.message).toBe(error.message);
      expect(exception.$metadata.httpStatusCode).toBe(CONTROL_ERRORS[error.code].status);
    });
  }
});
