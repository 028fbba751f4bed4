/**
 * PublishVersion and ListVersionsByFunction (docs/management-api.md, "Versions"): the registry's
 * publishVersion does Lambda's rules (CodeSha256 and RevisionId preconditions, the newest version
 * answered again when nothing changed); this module reads the call and renders the answer.
 */
import { publishVersion } from '../../registry/latest-changes.js';
import { LATEST, type VersionRecord } from '../../registry/registry-types.js';
import { namedFunction, optionalString, paginate, valueOf } from './call-input.js';
import type { ControlContext, HandlerTable } from './control-context.js';
import { functionConfiguration } from './function-output.js';
import { statesOf } from './function-states.js';

/** ListVersionsByFunction's largest page (Lambda's `MaxItems` bound). */
const MAX_VERSIONS_PAGE = 10_000;

/** A version's `FunctionConfiguration` with the qualified ARN these calls answer (`...:f:$LATEST`, `...:f:1`). */
function versionConfiguration(context: ControlContext, record: VersionRecord): Record<string, unknown> {
  const status = record.version === LATEST ? statesOf(context.registry).of(record.config.name) : { state: 'Active' as const, lastUpdateStatus: 'Successful' as const };
  return { ...functionConfiguration(record, status), FunctionArn: `${record.config.arn}:${record.version}` };
}

export const VERSION_HANDLERS: HandlerTable = {
  PublishVersion: async (context, call) => {
    const { name } = namedFunction(context, call);
    const codeSha256 = optionalString(call.body, 'CodeSha256');
    const description = optionalString(call.body, 'Description', 256);
    const revisionId = optionalString(call.body, 'RevisionId');
    const record = valueOf(
      await publishVersion(context.registry, name, {
        ...(codeSha256 === undefined ? {} : { codeSha256 }),
        ...(description === undefined ? {} : { description }),
        ...(revisionId === undefined ? {} : { revisionId }),
      }),
    );
    return { status: call.successStatus, body: versionConfiguration(context, record) };
  },

  ListVersionsByFunction: (context, call) => {
    const { name } = namedFunction(context, call);
    const page = paginate(context.registry.versions(name) ?? [], call.query, MAX_VERSIONS_PAGE);
    const body = { Versions: page.items.map((record) => versionConfiguration(context, record)), ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }) };
    return Promise.resolve({ status: call.successStatus, body });
  },
};
