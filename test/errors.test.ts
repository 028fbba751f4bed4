import { describe, expect, it } from 'vitest';
import {
  ERROR_TYPE_PATTERN,
  FUNCTION_ERROR_TYPES,
  RUNTIME_API_ERRORS,
  SERVICE_ERRORS,
  ServiceError,
  runtimeApiErrorBody,
  validatedErrorType,
} from '../src/errors.js';

describe('the error catalogue', () => {
  it('has unique, well-formed codes that match their keys', () => {
    const codes = [...Object.entries(SERVICE_ERRORS), ...Object.entries(RUNTIME_API_ERRORS)];
    for (const [key, spec] of codes) {
      expect(spec.code).toBe(key);
      expect(key).toMatch(/^LAMINA_ERR_[A-Z_]+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
    }
    const all = [...codes.map(([key]) => key), ...Object.keys(FUNCTION_ERROR_TYPES)];
    expect(new Set(all).size).toBe(all.length);
  });

  it('names service errors as the AWS SDK models them', () => {
    for (const spec of Object.values(SERVICE_ERRORS)) expect(spec.name).toMatch(/^[A-Z][A-Za-z]+(Exception)$/);
  });

  it('gives platform function errors types that pass the contract pattern', () => {
    for (const type of Object.values(FUNCTION_ERROR_TYPES)) {
      expect(type.startsWith('Sandbox.') || ERROR_TYPE_PATTERN.test(type)).toBe(true);
    }
  });

  it('renders bodies in Lambda shapes', () => {
    expect(JSON.parse(new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', 'Function not found: x').toBody())).toEqual({ Type: 'User', message: 'Function not found: x' });
    expect(JSON.parse(new ServiceError('LAMINA_ERR_TOO_MANY_REQUESTS', 'Rate Exceeded.', 'ConcurrentInvocationLimitExceeded').toBody())).toEqual({
      Reason: 'ConcurrentInvocationLimitExceeded',
      Type: 'User',
      message: 'Rate Exceeded.',
    });
    expect(JSON.parse(runtimeApiErrorBody('LAMINA_ERR_RUNTIME_INVALID_STATE', 'm'))).toEqual({ errorMessage: 'm', errorType: 'InvalidStateTransition' });
  });

  it('validates reported error types', () => {
    expect(validatedErrorType('Function.MyError')).toBe('Function.MyError');
    expect(validatedErrorType('Runtime.ImportModuleError')).toBe('Runtime.ImportModuleError');
    expect(validatedErrorType('Function.bad')).toBe('Function.Unknown');
    expect(validatedErrorType('Error')).toBe('Runtime.Unknown');
    expect(validatedErrorType('Runtime.Bad1')).toBe('Runtime.Unknown');
    expect(validatedErrorType(undefined)).toBe('Runtime.Unknown');
  });
});
