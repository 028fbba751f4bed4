/**
 * Which action of an ALB listener takes a request (docs/http-front-ends.md): its rules in priority
 * order, the first whose conditions all hold, else the listener's default action. Within one
 * condition any value may match. `path-pattern` is case-sensitive and tested on the path without
 * the query string; `http-header` names and values are case-insensitive; both take `*` (any
 * characters) and `?` (one character). `http-request-method` is exact.
 */
import type { AlbAction, AlbCondition, AlbListener } from '../../config/alb-targets.js';
import type { FrontRequest } from '../http-request.js';

/** A wildcard pattern (`*`, `?`) as an anchored regular expression. */
function wildcard(pattern: string, flags: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, flags);
}

type Test = (request: FrontRequest) => boolean;

function compile(condition: AlbCondition): Test {
  switch (condition.field) {
    case 'path-pattern': {
      const patterns = condition.values.map((v) => wildcard(v, 's'));
      return (request) => patterns.some((p) => p.test(request.rawPath));
    }
    case 'http-request-method': {
      const methods = new Set(condition.values);
      return (request) => methods.has(request.method);
    }
    case 'http-header': {
      const patterns = condition.values.map((v) => wildcard(v, 'is'));
      const name = condition.name;
      return (request) => request.headers.some(([key, value]) => key === name && patterns.some((p) => p.test(value)));
    }
  }
}

/**
 * @example
 * const rules = new AlbRules(listener);
 * rules.actionFor(request) // { kind: 'forward', targetGroup } or a fixed-response
 */
export class AlbRules {
  readonly #rules: ReadonlyArray<{ readonly tests: readonly Test[]; readonly action: AlbAction }>;
  readonly #fallback: AlbAction;

  constructor(listener: AlbListener) {
    this.#rules = listener.rules.map((rule) => ({ tests: rule.conditions.map(compile), action: rule.action }));
    this.#fallback = listener.defaultAction;
  }

  actionFor(request: FrontRequest): AlbAction {
    for (const rule of this.#rules) {
      if (rule.tests.every((test) => test(request))) return rule.action;
    }
    return this.#fallback;
  }
}

/** The listener's rules as the banner prints them: `priority 10: path-pattern /api/* -> Fn`. */
export function describeAlb(listener: AlbListener): string[] {
  const target = (action: AlbAction): string => (action.kind === 'forward' ? `${action.targetGroup.functionName}${action.targetGroup.multiValueHeaders ? ' (multi-value headers)' : ''}` : `fixed-response ${action.status}`);
  const what = (c: AlbCondition): string => (c.field === 'http-header' ? `http-header ${c.name}: ${c.values.join(' | ')}` : `${c.field} ${c.values.join(' | ')}`);
  return [
    ...listener.rules.map((rule) => `priority ${rule.priority}: ${rule.conditions.map(what).join(' and ')} -> ${target(rule.action)}`),
    `default -> ${target(listener.defaultAction)}`,
  ];
}
