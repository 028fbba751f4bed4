/**
 * CreateAlias, GetAlias, UpdateAlias, DeleteAlias and ListAliases (docs/management-api.md,
 * "Aliases") over the registry's alias changes (src/registry/alias-changes.ts), which hold
 * Lambda's rules; here the call's members are read and `AliasConfiguration` is rendered.
 */
import { ServiceError } from '../../errors.js';
import { createAlias, deleteAlias, updateAlias } from '../../registry/alias-changes.js';
import type { AliasRecord, AliasRouting } from '../../registry/registry-types.js';
import { namedFunction, optionalString, paginate, requiredString, validation, valueOf } from './call-input.js';
import type { HandlerTable } from './control-context.js';
import { provisionedRecord, syncProvisioned } from './provisioned-store.js';

const MAX_ALIASES_PAGE = 10_000;

/** @example renderAlias(registry.alias('f', 'live')) // { AliasArn, Name, FunctionVersion, Description, RevisionId, RoutingConfig? } */
export function renderAlias(alias: AliasRecord): Record<string, unknown> {
  return {
    AliasArn: alias.arn,
    Name: alias.name,
    FunctionVersion: alias.functionVersion,
    Description: alias.description,
    ...(alias.routing === undefined ? {} : { RoutingConfig: { AdditionalVersionWeights: { [alias.routing.version]: alias.routing.weight } } }),
    RevisionId: alias.revisionId,
  };
}

/**
 * `RoutingConfig`: undefined when absent, null when its map is empty (UpdateAlias: remove the
 * routing), else the one additional version Lambda allows.
 */
function routingOf(body: Readonly<Record<string, unknown>>): AliasRouting | null | undefined {
  const config = body['RoutingConfig'];
  if (config === undefined || config === null) return undefined;
  if (typeof config !== 'object' || Array.isArray(config)) throw validation(String(config), 'routingConfig', 'Member must be a structure');
  const weights = (config as Record<string, unknown>)['AdditionalVersionWeights'];
  if (weights === undefined || weights === null) return null;
  if (typeof weights !== 'object' || Array.isArray(weights)) throw validation(String(weights), 'routingConfig.additionalVersionWeights', 'Member must be a map');
  const entries = Object.entries(weights as Record<string, unknown>);
  if (entries.length === 0) return null;
  if (entries.length > 1) throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Number of items in AdditionalVersionWeights cannot be greater than 1');
  const [version, weight] = entries[0] as [string, unknown];
  if (typeof weight !== 'number') throw validation(String(weight), 'routingConfig.additionalVersionWeights', 'Map value must be a number');
  return { version, weight };
}

function aliasLabel(call: { readonly labels: Readonly<Record<string, string>> }): string {
  return call.labels['Name'] ?? '';
}

export const ALIAS_HANDLERS: HandlerTable = {
  CreateAlias: async (context, call) => {
    const { name } = namedFunction(context, call);
    const aliasName = requiredString(call.body, 'Name');
    const functionVersion = requiredString(call.body, 'FunctionVersion', 1024);
    const description = optionalString(call.body, 'Description', 256);
    const routing = routingOf(call.body) ?? undefined;
    const record = valueOf(
      await createAlias(context.registry, name, aliasName, { functionVersion, ...(description === undefined ? {} : { description }), ...(routing === undefined ? {} : { routing }) }),
    );
    return { status: call.successStatus, body: renderAlias(record) };
  },

  GetAlias: (context, call) => {
    const { name, entry } = namedFunction(context, call);
    const alias = context.registry.alias(name, aliasLabel(call));
    if (alias === undefined) throw new ServiceError('LAMINA_ERR_FUNCTION_NOT_FOUND', `Cannot find alias arn: ${entry.latest.config.arn}:${aliasLabel(call)}`);
    return Promise.resolve({ status: call.successStatus, body: renderAlias(alias) });
  },

  UpdateAlias: async (context, call) => {
    const { name } = namedFunction(context, call);
    const functionVersion = optionalString(call.body, 'FunctionVersion', 1024);
    const description = optionalString(call.body, 'Description', 256);
    const revisionId = optionalString(call.body, 'RevisionId');
    const routing = routingOf(call.body);
    const provisioned = provisionedRecord(context.settings, name, aliasLabel(call));
    if (provisioned !== undefined && routing !== undefined && routing !== null) {
      throw new ServiceError('LAMINA_ERR_INVALID_PARAMETER', 'Alias with weights can not be used with Provisioned Concurrency');
    }
    const before = context.registry.alias(name, aliasLabel(call))?.functionVersion;
    const record = valueOf(
      await updateAlias(context.registry, name, aliasLabel(call), {
        ...(functionVersion === undefined ? {} : { functionVersion }),
        ...(description === undefined ? {} : { description }),
        ...(revisionId === undefined ? {} : { revisionId }),
        ...(routing === undefined ? {} : { routing }),
      }),
    );
    // The alias's provisioned environments follow it to its new version.
    const entry = context.registry.entry(name);
    if (provisioned !== undefined && entry !== undefined && before !== undefined && before !== record.functionVersion) {
      syncProvisioned(context.settings, context.provisioned, name, entry, [before, record.functionVersion]);
    }
    return { status: call.successStatus, body: renderAlias(record) };
  },

  DeleteAlias: async (context, call) => {
    const { name } = namedFunction(context, call);
    valueOf(await deleteAlias(context.registry, name, aliasLabel(call)));
    return { status: call.successStatus };
  },

  ListAliases: (context, call) => {
    const { name } = namedFunction(context, call);
    const wanted = call.query['FunctionVersion'];
    const all = (context.registry.aliases(name) ?? []).filter((alias) => wanted === undefined || alias.functionVersion === wanted);
    const page = paginate(all, call.query, MAX_ALIASES_PAGE);
    return Promise.resolve({ status: call.successStatus, body: { Aliases: page.items.map(renderAlias), ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }) } });
  },
};
