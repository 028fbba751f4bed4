/**
 * Properties every event source mapping shares, queue or stream (docs/event-sources-template.md):
 * `FilterCriteria`, `FunctionResponseTypes`, `Enabled`, and the `FunctionName` of an
 * `AWS::Lambda::EventSourceMapping`. Each checks one resolved value and records problems naming
 * the resource and the property.
 */
import type { FilterPattern } from '../event-sources/mapping-types.js';
import { compilePattern } from '../event-sources/filter-pattern.js';
import { isPlainObject } from './cfn-intrinsics.js';
import { show, type PropertyValue, type TemplateReport } from './function-properties.js';

/** Lambda's default bound on `FilterCriteria.Filters`. */
const MAX_FILTERS = 5;

const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([a-zA-Z0-9_-]{1,64})(?::([a-zA-Z0-9$_-]{1,128}))?$/;
const PARTIAL_NAME = /^([a-zA-Z0-9_-]{1,64})(?::([a-zA-Z0-9$_-]{1,128}))?$/;

/**
 * `FilterCriteria: { Filters: [{ Pattern: '<json>' }] }`, at most 5, each a valid pattern.
 *
 * @example filterCriteria(report, 'Fn', 'Events.S.Properties.FilterCriteria', value) // [{ data: { kind: ['a'] } }]
 */
export function filterCriteria(report: TemplateReport, resource: string, where: string, criteria: PropertyValue | undefined): FilterPattern[] {
  if (criteria === undefined || !criteria.present) return [];
  if (!isPlainObject(criteria.value)) return report.problem(resource, where, `${show(criteria.value)} must be a map with Filters`), [];
  for (const key of Object.keys(criteria.value)) if (key !== 'Filters') report.problem(resource, `${where}.${key}`, 'is not a property of FilterCriteria (known: Filters)');
  const list = criteria.value.Filters ?? [];
  if (!Array.isArray(list)) return report.problem(resource, `${where}.Filters`, `${show(list)} must be a list of {Pattern}`), [];
  if (list.length > MAX_FILTERS) report.problem(resource, `${where}.Filters`, `${list.length} filters: at most ${MAX_FILTERS}`);
  const patterns: FilterPattern[] = [];
  for (const [i, filter] of list.entries()) {
    const at = `${where}.Filters[${i}].Pattern`;
    const text = isPlainObject(filter) ? filter.Pattern : undefined;
    if (typeof text !== 'string') {
      report.problem(resource, at, `${show(text ?? filter)} must be the pattern's JSON text (a string)`);
      continue;
    }
    const compiled = compilePattern(text);
    if (compiled.ok) patterns.push(compiled.matcher.pattern);
    else report.problem(resource, at, compiled.problem);
  }
  return patterns;
}

/**
 * `FunctionResponseTypes`: a list whose only allowed value is ReportBatchItemFailures.
 *
 * @example responseTypes(report, 'Fn', 'FunctionResponseTypes', { present: true, value: ['ReportBatchItemFailures'] }) // true
 */
export function responseTypes(report: TemplateReport, resource: string, where: string, types: PropertyValue | undefined): boolean {
  if (types === undefined || !types.present) return false;
  if (!Array.isArray(types.value)) return report.problem(resource, where, `${show(types.value)} must be a list ([ReportBatchItemFailures])`), false;
  for (const type of types.value) if (type !== 'ReportBatchItemFailures') report.problem(resource, where, `${show(type)} is not ReportBatchItemFailures (the only response type of event source mappings)`);
  return types.value.includes('ReportBatchItemFailures');
}

/**
 * A boolean property (true, false or their strings), `fallback` when absent; undefined and a problem otherwise.
 *
 * @example booleanProperty(report, 'Fn', 'Enabled', { present: false }, true) // true
 */
export function booleanProperty(report: TemplateReport, resource: string, where: string, value: PropertyValue | undefined, fallback: boolean): boolean | undefined {
  const raw = value?.present === true ? value.value : fallback;
  const parsed = raw === true || raw === 'true' ? true : raw === false || raw === 'false' ? false : undefined;
  if (parsed === undefined) report.problem(resource, where, `${show(raw)} is not a boolean`);
  return parsed;
}

/**
 * An `AWS::Lambda::EventSourceMapping`'s FunctionName (a name, partial name or ARN, maybe
 * qualified) as one of the template's functions; undefined (and a problem) otherwise.
 *
 * @example mappedFunction(report, 'Map', value, new Set(['worker'])) // { name: 'worker', qualifier: undefined }
 */
export function mappedFunction(report: TemplateReport, resource: string, fn: PropertyValue, functionNames: ReadonlySet<string>): { name: string; qualifier: string | undefined } | undefined {
  if (!fn.present) return report.problem(resource, 'FunctionName', 'is required'), undefined;
  const text = typeof fn.value === 'string' ? fn.value : '';
  const parts = FUNCTION_ARN.exec(text) ?? PARTIAL_NAME.exec(text);
  const name = parts?.[1];
  if (name === undefined || !functionNames.has(name)) return report.problem(resource, 'FunctionName', `names unknown function ${show(fn.value)} (it must be defined in this template)`), undefined;
  return { name, qualifier: parts?.[2] };
}
