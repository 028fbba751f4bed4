/**
 * Failing: throws on every invocation. The caller receives a function error
 * (`X-Amz-Function-Error: Unhandled`, body `{"errorType":"Error","errorMessage":"something went wrong",...}`).
 */
export const handler = async () => {
  throw new Error('something went wrong');
};
