/**
 * The Lambda management API's routes (docs/management-api.md): method and path template of every
 * REST-JSON operation the AWS SDK for JavaScript v3 and the AWS CLI v2 send, as their service
 * model defines them, with the status a success answers. The invoke paths are not here: the front
 * door matches them first.
 */

/** Every management operation Lamina routes. */
export type ManagementOperation =
  | 'CreateFunction' | 'ListFunctions' | 'GetFunction' | 'GetFunctionConfiguration' | 'DeleteFunction'
  | 'UpdateFunctionCode' | 'UpdateFunctionConfiguration'
  | 'PublishVersion' | 'ListVersionsByFunction'
  | 'CreateAlias' | 'ListAliases' | 'GetAlias' | 'UpdateAlias' | 'DeleteAlias'
  | 'PutFunctionConcurrency' | 'GetFunctionConcurrency' | 'DeleteFunctionConcurrency'
  | 'PutProvisionedConcurrencyConfig' | 'GetProvisionedConcurrencyConfig' | 'DeleteProvisionedConcurrencyConfig' | 'ListProvisionedConcurrencyConfigs'
  | 'PutFunctionEventInvokeConfig' | 'GetFunctionEventInvokeConfig' | 'UpdateFunctionEventInvokeConfig' | 'DeleteFunctionEventInvokeConfig' | 'ListFunctionEventInvokeConfigs'
  | 'PublishLayerVersion' | 'GetLayerVersion' | 'GetLayerVersionByArn' | 'ListLayers' | 'ListLayerVersions' | 'DeleteLayerVersion'
  | 'AddPermission' | 'RemovePermission' | 'GetPolicy'
  | 'GetAccountSettings'
  | 'TagResource' | 'UntagResource' | 'ListTags'
  | 'CreateFunctionUrlConfig' | 'GetFunctionUrlConfig' | 'UpdateFunctionUrlConfig' | 'DeleteFunctionUrlConfig' | 'ListFunctionUrlConfigs';

export interface ManagementRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path template; `{Label}` matches one path segment (percent-decoded). */
  readonly path: string;
  readonly operation: ManagementOperation;
  /** Status of a success (Lambda's model: 200, 201, 202 or 204). */
  readonly status: number;
  /** A query parameter that must be present with this value (the model's `?List=ALL`, `?find=LayerVersion`). */
  readonly queryLiteral?: readonly [string, string];
  /** Largest request body, bytes. Default 6 MB; code uploads 69,905,067 (Lambda's limit for a 50 MB zip in base64). */
  readonly bodyLimit?: number;
}

/** Lambda's limit for CreateFunction/UpdateFunctionCode/PublishLayerVersion request bodies. */
export const CODE_BODY_LIMIT = 69_905_067;
export const DEFAULT_BODY_LIMIT = 6_291_456;

const F = '/2015-03-31/functions';

/** More specific routes first: `?find=` and `?List=` variants precede their plain path. */
export const MANAGEMENT_ROUTES: readonly ManagementRoute[] = [
  { method: 'POST', path: F, operation: 'CreateFunction', status: 201, bodyLimit: CODE_BODY_LIMIT },
  { method: 'GET', path: F, operation: 'ListFunctions', status: 200 },
  { method: 'GET', path: `${F}/{FunctionName}`, operation: 'GetFunction', status: 200 },
  { method: 'DELETE', path: `${F}/{FunctionName}`, operation: 'DeleteFunction', status: 204 },
  { method: 'GET', path: `${F}/{FunctionName}/configuration`, operation: 'GetFunctionConfiguration', status: 200 },
  { method: 'PUT', path: `${F}/{FunctionName}/configuration`, operation: 'UpdateFunctionConfiguration', status: 200 },
  { method: 'PUT', path: `${F}/{FunctionName}/code`, operation: 'UpdateFunctionCode', status: 200, bodyLimit: CODE_BODY_LIMIT },
  { method: 'POST', path: `${F}/{FunctionName}/versions`, operation: 'PublishVersion', status: 201 },
  { method: 'GET', path: `${F}/{FunctionName}/versions`, operation: 'ListVersionsByFunction', status: 200 },
  { method: 'POST', path: `${F}/{FunctionName}/aliases`, operation: 'CreateAlias', status: 201 },
  { method: 'GET', path: `${F}/{FunctionName}/aliases`, operation: 'ListAliases', status: 200 },
  { method: 'GET', path: `${F}/{FunctionName}/aliases/{Name}`, operation: 'GetAlias', status: 200 },
  { method: 'PUT', path: `${F}/{FunctionName}/aliases/{Name}`, operation: 'UpdateAlias', status: 200 },
  { method: 'DELETE', path: `${F}/{FunctionName}/aliases/{Name}`, operation: 'DeleteAlias', status: 204 },
  { method: 'POST', path: `${F}/{FunctionName}/policy`, operation: 'AddPermission', status: 201 },
  { method: 'GET', path: `${F}/{FunctionName}/policy`, operation: 'GetPolicy', status: 200 },
  { method: 'DELETE', path: `${F}/{FunctionName}/policy/{StatementId}`, operation: 'RemovePermission', status: 204 },
  { method: 'PUT', path: '/2017-10-31/functions/{FunctionName}/concurrency', operation: 'PutFunctionConcurrency', status: 200 },
  { method: 'DELETE', path: '/2017-10-31/functions/{FunctionName}/concurrency', operation: 'DeleteFunctionConcurrency', status: 204 },
  { method: 'GET', path: '/2019-09-30/functions/{FunctionName}/concurrency', operation: 'GetFunctionConcurrency', status: 200 },
  { method: 'GET', path: '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', operation: 'ListProvisionedConcurrencyConfigs', status: 200, queryLiteral: ['List', 'ALL'] },
  { method: 'PUT', path: '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', operation: 'PutProvisionedConcurrencyConfig', status: 202 },
  { method: 'GET', path: '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', operation: 'GetProvisionedConcurrencyConfig', status: 200 },
  { method: 'DELETE', path: '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', operation: 'DeleteProvisionedConcurrencyConfig', status: 204 },
  { method: 'PUT', path: '/2019-09-25/functions/{FunctionName}/event-invoke-config', operation: 'PutFunctionEventInvokeConfig', status: 200 },
  { method: 'GET', path: '/2019-09-25/functions/{FunctionName}/event-invoke-config', operation: 'GetFunctionEventInvokeConfig', status: 200 },
  { method: 'POST', path: '/2019-09-25/functions/{FunctionName}/event-invoke-config', operation: 'UpdateFunctionEventInvokeConfig', status: 200 },
  { method: 'DELETE', path: '/2019-09-25/functions/{FunctionName}/event-invoke-config', operation: 'DeleteFunctionEventInvokeConfig', status: 204 },
  { method: 'GET', path: '/2019-09-25/functions/{FunctionName}/event-invoke-config/list', operation: 'ListFunctionEventInvokeConfigs', status: 200 },
  { method: 'GET', path: '/2018-10-31/layers', operation: 'GetLayerVersionByArn', status: 200, queryLiteral: ['find', 'LayerVersion'] },
  { method: 'GET', path: '/2018-10-31/layers', operation: 'ListLayers', status: 200 },
  { method: 'POST', path: '/2018-10-31/layers/{LayerName}/versions', operation: 'PublishLayerVersion', status: 201, bodyLimit: CODE_BODY_LIMIT },
  { method: 'GET', path: '/2018-10-31/layers/{LayerName}/versions', operation: 'ListLayerVersions', status: 200 },
  { method: 'GET', path: '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}', operation: 'GetLayerVersion', status: 200 },
  { method: 'DELETE', path: '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}', operation: 'DeleteLayerVersion', status: 204 },
  { method: 'GET', path: '/2016-08-19/account-settings', operation: 'GetAccountSettings', status: 200 },
  { method: 'POST', path: '/2017-03-31/tags/{Resource}', operation: 'TagResource', status: 204 },
  { method: 'DELETE', path: '/2017-03-31/tags/{Resource}', operation: 'UntagResource', status: 204 },
  { method: 'GET', path: '/2017-03-31/tags/{Resource}', operation: 'ListTags', status: 200 },
  { method: 'POST', path: '/2021-10-31/functions/{FunctionName}/url', operation: 'CreateFunctionUrlConfig', status: 201 },
  { method: 'GET', path: '/2021-10-31/functions/{FunctionName}/url', operation: 'GetFunctionUrlConfig', status: 200 },
  { method: 'PUT', path: '/2021-10-31/functions/{FunctionName}/url', operation: 'UpdateFunctionUrlConfig', status: 200 },
  { method: 'DELETE', path: '/2021-10-31/functions/{FunctionName}/url', operation: 'DeleteFunctionUrlConfig', status: 204 },
  { method: 'GET', path: '/2021-10-31/functions/{FunctionName}/urls', operation: 'ListFunctionUrlConfigs', status: 200 },
];
