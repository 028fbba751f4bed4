/**
 * The embedded CodeDeploy endpoint's error catalogue (docs/deployments.md). CodeDeploy speaks AWS
 * JSON 1.1: the error's name travels in the body's `__type` and in `x-amzn-ErrorType`, which the
 * AWS SDKs read to pick the exception. Keys follow the project's `LAMINA_ERR_*` convention
 * (test/errors.test.ts checks this catalogue against docs/errors.md).
 */

export interface CodeDeployErrorSpec {
  readonly code: string;
  /** The exception's name in the CodeDeploy service model. */
  readonly shape: string;
  readonly status: number;
}

const spec = (code: string, shape: string, status: number): CodeDeployErrorSpec => ({ code, shape, status });

export const CODEDEPLOY_ERRORS = {
  LAMINA_ERR_CODEDEPLOY_DEPLOYMENT_ID_REQUIRED: spec('LAMINA_ERR_CODEDEPLOY_DEPLOYMENT_ID_REQUIRED', 'DeploymentIdRequiredException', 400),
  LAMINA_ERR_CODEDEPLOY_INVALID_DEPLOYMENT_ID: spec('LAMINA_ERR_CODEDEPLOY_INVALID_DEPLOYMENT_ID', 'InvalidDeploymentIdException', 400),
  LAMINA_ERR_CODEDEPLOY_DEPLOYMENT_NOT_FOUND: spec('LAMINA_ERR_CODEDEPLOY_DEPLOYMENT_NOT_FOUND', 'DeploymentDoesNotExistException', 400),
  LAMINA_ERR_CODEDEPLOY_INVALID_HOOK_EXECUTION_ID: spec('LAMINA_ERR_CODEDEPLOY_INVALID_HOOK_EXECUTION_ID', 'InvalidLifecycleEventHookExecutionIdException', 400),
  LAMINA_ERR_CODEDEPLOY_INVALID_HOOK_STATUS: spec('LAMINA_ERR_CODEDEPLOY_INVALID_HOOK_STATUS', 'InvalidLifecycleEventHookExecutionStatusException', 400),
  LAMINA_ERR_CODEDEPLOY_HOOK_ALREADY_COMPLETED: spec('LAMINA_ERR_CODEDEPLOY_HOOK_ALREADY_COMPLETED', 'LifecycleEventAlreadyCompletedException', 400),
  LAMINA_ERR_CODEDEPLOY_UNKNOWN_OPERATION: spec('LAMINA_ERR_CODEDEPLOY_UNKNOWN_OPERATION', 'UnknownOperationException', 400),
  LAMINA_ERR_CODEDEPLOY_SERIALIZATION: spec('LAMINA_ERR_CODEDEPLOY_SERIALIZATION', 'SerializationException', 400),
  LAMINA_ERR_CODEDEPLOY_REQUEST_TOO_LARGE: spec('LAMINA_ERR_CODEDEPLOY_REQUEST_TOO_LARGE', 'RequestEntityTooLargeException', 413),
} as const satisfies Record<string, CodeDeployErrorSpec>;

export type CodeDeployErrorCode = keyof typeof CODEDEPLOY_ERRORS;

/** @example throw new CodeDeployError('LAMINA_ERR_CODEDEPLOY_DEPLOYMENT_NOT_FOUND', 'The deployment d-ABCDEF123 does not exist.'); */
export class CodeDeployError extends Error {
  readonly spec: CodeDeployErrorSpec;

  constructor(code: CodeDeployErrorCode, message: string) {
    super(message);
    this.spec = CODEDEPLOY_ERRORS[code];
    this.name = this.spec.shape;
  }
}
