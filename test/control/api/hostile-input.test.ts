/**
 * Hostile input to every operation of these areas: members of the wrong type, nested garbage,
 * huge strings. Each call either succeeds or is refused with a 4xx ServiceError of Lambda's
 * catalogue; none may throw anything else (which the HTTP layer would answer as a 500).
 */
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../../src/errors.js';
import { matchManagementRoute, toManagementCall } from '../../../src/management/match-route.js';
import { controlWith } from './control-fixture.js';

const ARN = encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:f');
const CALLS: ReadonlyArray<readonly [string, string]> = [
  ['POST', '/2015-03-31/functions/f/versions'],
  ['GET', '/2015-03-31/functions/f/versions?MaxItems=-1&Marker=-5'],
  ['POST', '/2015-03-31/functions/f/aliases'],
  ['PUT', '/2015-03-31/functions/f/aliases/live'],
  ['GET', '/2015-03-31/functions/f/aliases?MaxItems=1e3'],
  ['PUT', '/2017-10-31/functions/f/concurrency'],
  ['PUT', '/2019-09-30/functions/f/provisioned-concurrency?Qualifier=1'],
  ['PUT', '/2019-09-30/functions/f/provisioned-concurrency?Qualifier=live'],
  ['PUT', '/2019-09-25/functions/f/event-invoke-config'],
  ['POST', '/2019-09-25/functions/f/event-invoke-config'],
  ['POST', `/2017-03-31/tags/${ARN}`],
  ['DELETE', `/2017-03-31/tags/${ARN}?tagKeys=`],
  ['POST', '/2015-03-31/functions/f/policy'],
  ['DELETE', '/2015-03-31/functions/f/policy/%00?RevisionId=x'],
  ['POST', '/2021-10-31/functions/f/url'],
  ['PUT', '/2021-10-31/functions/f/url'],
];
const MEMBERS = ['Name', 'FunctionVersion', 'Description', 'RevisionId', 'CodeSha256', 'RoutingConfig', 'ReservedConcurrentExecutions', 'ProvisionedConcurrentExecutions', 'MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig', 'Tags', 'StatementId', 'Action', 'Principal', 'SourceArn', 'AuthType', 'Cors', 'InvokeMode'];
const VALUES: readonly unknown[] = [null, true, -1, 1e308, 0.5, '', 'x'.repeat(70_000), [], [1, 'a'], {}, { AdditionalVersionWeights: [] }, { AdditionalVersionWeights: { '1': null } }, { OnSuccess: 'x' }, { OnFailure: { Destination: 5 } }, { AllowOrigins: [{}] }, { MaxAge: '5' }, { __proto__: { x: 1 } }];

describe('hostile members', () => {
  it('every operation answers success or a 4xx ServiceError, never another failure', async () => {
    const { control, call } = await controlWith(['f']);
    await call('POST', '/2015-03-31/functions/f/versions', {});
    await call('POST', '/2015-03-31/functions/f/aliases', { Name: 'live', FunctionVersion: '1' });
    let refusals = 0;
    for (const [method, url] of CALLS) {
      for (const member of MEMBERS) {
        for (const value of VALUES) {
          const match = matchManagementRoute(method, url);
          if (match === undefined) throw new Error(`no route ${method} ${url}`);
          try {
            await control.handle(toManagementCall(match, Buffer.from(JSON.stringify({ [member]: value }))));
          } catch (error) {
            if (!(error instanceof ServiceError)) throw new Error(`${method} ${url} with ${member}=${JSON.stringify(value)?.slice(0, 40)} threw ${String(error)}`);
            expect(error.spec.status, `${method} ${url} ${member}`).toBeLessThan(500);
            refusals += 1;
          }
        }
      }
    }
    expect(refusals).toBeGreaterThan(CALLS.length);
  });
});
