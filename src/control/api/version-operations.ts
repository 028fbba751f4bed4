/**
 * PublishVersion and ListVersionsByFunction (docs/management-api.md, "Versions"): the registry's
 * publishVersion does Lambda's rules (CodeSha256 and RevisionId preconditions, the newest version
 * answered again when nothing changed); this module reads the call and renders the answer.
 */
import { publishVersion } from '../../registry/latest-changes.js';
import { namedFunction, optionalString, paginate, valueOf } from './call-input.js';
import type { HandlerTable } from './control-context.js';
import { renderFunctionConfiguration } from './function-output.js';

/** ListVersionsByFunction's largest page (Lambda's `MaxItems` bound). */
const MAX_VERSIONS_PAGE = 10_000;

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
    return { status: call.successStatus, body: renderFunctionConfiguration(record, true) };
  },

  ListVersionsByFunction: (context, call) => {
    const { name } = namedFunction(context, call);
    const page = paginate(context.registry.versions(name) ?? [], call.query, MAX_VERSIONS_PAGE);
    const body = { Versions: page.items.map((record) => renderFunctionConfiguration(record, true)), ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }) };
    return Promise.resolve({ status: call.successStatus, body });
  },
};
