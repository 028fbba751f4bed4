/**
 * Resolving the CloudFormation intrinsic functions that can be resolved without a deployed
 * stack: `Ref` to parameters (their Default or an override) and to pseudo parameters,
 * `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::Base64`, `Fn::If` and
 * the condition functions. `Ref` and `Fn::GetAtt` of a resource go to the context's optional
 * `resourceAttribute` hook (./resource-attributes.ts knows queues, topics, buses and functions).
 * Anything else (`Fn::ImportValue`, an attribute no hook knows...) is reported as unresolvable,
 * with a reason, and the caller decides what that means.
 */

/** The outcome of resolving a value. */
export type Resolution = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/** What `Ref: AWS::NoValue` resolves to: the property is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface IntrinsicContext {
  /** Parameter name -> value (Default or override); a parameter without either maps to undefined. */
  readonly parameters: ReadonlyMap<string, unknown>;
  /** Pseudo parameter name (`AWS::Region`...) -> value. */
  readonly pseudo: ReadonlyMap<string, unknown>;
  readonly mappings: Readonly<Record<string, unknown>>;
  readonly conditions: Readonly<Record<string, unknown>>;
  readonly resourceIds: ReadonlySet<string>;
  /**
   * The value of `Ref` (attribute undefined) or `Fn::GetAtt` of a resource of the template, also
   * inside `Fn::Sub` (`${Queue.Arn}`); undefined when the hook does not know that resource's type.
   */
  readonly resourceAttribute?: ResourceAttributeHook | undefined;
}

export type ResourceAttributeHook = (logicalId: string, attribute: string | undefined, resolver: IntrinsicResolver) => Resolution | undefined;

const ok = (value: unknown): Resolution => ({ ok: true, value });
const fail = (reason: string): Resolution => ({ ok: false, reason });

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A one-key object whose key is `Ref` or `Fn::*`. */
export function isIntrinsic(v: unknown): v is Record<string, unknown> {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0] ?? '').startsWith('Fn::'));
}

/** A short description for messages, e.g. `Fn::GetAtt ["Table","Arn"]`. */
export function describeIntrinsic(v: Record<string, unknown>): string {
  const [key = '?', arg] = Object.entries(v)[0] ?? [];
  const text = typeof arg === 'string' ? arg : JSON.stringify(arg);
  return `${key} ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}

/** The pseudo parameters for a region, an account and a stack name (as SAM local resolves them). */
export function pseudoParameters(region: string, accountId: string, stackName: string): Map<string, unknown> {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return new Map<string, unknown>([
    ['AWS::Region', region],
    ['AWS::AccountId', accountId],
    ['AWS::StackName', stackName],
    ['AWS::StackId', `arn:${partition}:cloudformation:${region}:${accountId}:stack/${stackName}/00000000-0000-0000-0000-000000000000`],
    ['AWS::Partition', partition],
    ['AWS::URLSuffix', region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'],
    ['AWS::NotificationARNs', []],
    ['AWS::NoValue', NO_VALUE],
  ]);
}

const isScalarValue = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * Resolves intrinsics against a template's parameters, mappings and conditions.
 *
 * @example
 * const r = new IntrinsicResolver(ctx);
 * r.resolve({ 'Fn::Sub': '${AWS::Region}-x' }); // { ok: true, value: 'us-east-1-x' }
 */
export class IntrinsicResolver {
  private readonly conditionCache = new Map<string, boolean>();
  private readonly evaluating = new Set<string>();

  constructor(private readonly ctx: IntrinsicContext) {}

  /** Resolve a value deeply; `NO_VALUE` entries are dropped from objects and arrays. */
  resolve(value: unknown): Resolution {
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const item of value) {
        const r = this.resolve(item);
        if (!r.ok) return r;
        if (r.value !== NO_VALUE) out.push(r.value);
      }
      return ok(out);
    }
    if (isIntrinsic(value)) return this.call(value);
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const r = this.resolve(v);
        if (!r.ok) return r;
        if (r.value !== NO_VALUE) out[k] = r.value;
      }
      return ok(out);
    }
    return ok(value);
  }

  /** Resolve only when the value itself is an intrinsic (leaves plain objects for field-by-field work). */
  resolveTop(value: unknown): Resolution {
    return isIntrinsic(value) ? this.call(value) : ok(value);
  }

  /** Evaluate a named condition of the template's `Conditions` section. */
  condition(name: string): Resolution {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return ok(cached);
    if (!Object.hasOwn(this.ctx.conditions, name)) return fail(`condition ${name} is not defined`);
    if (this.evaluating.has(name)) return fail(`condition ${name} refers to itself`);
    this.evaluating.add(name);
    const r = this.conditionValue(this.ctx.conditions[name]);
    this.evaluating.delete(name);
    if (r.ok && typeof r.value === 'boolean') this.conditionCache.set(name, r.value);
    return r;
  }

  private conditionValue(v: unknown): Resolution {
    if (isPlainObject(v) && Object.keys(v).length === 1 && typeof v.Condition === 'string') return this.condition(v.Condition);
    const r = this.resolve(v);
    if (!r.ok) return r;
    if (r.value === true || r.value === 'true') return ok(true);
    if (r.value === false || r.value === 'false') return ok(false);
    return fail(`condition value ${JSON.stringify(r.value)} is not a boolean`);
  }

  private call(fn: Record<string, unknown>): Resolution {
    const [name = '', arg] = Object.entries(fn)[0] ?? [];
    const list = Array.isArray(arg) ? arg : undefined;
    switch (name) {
      case 'Ref':
        return typeof arg === 'string' ? this.ref(arg) : fail('Ref needs a name');
      case 'Fn::Sub':
        return this.sub(arg);
      case 'Fn::GetAtt':
        return this.getAtt(fn, arg);
      case 'Fn::Join': {
        if (list?.length !== 2 || typeof list[0] !== 'string') return fail('Fn::Join needs [delimiter, list]');
        const items = this.resolve(list[1]);
        if (!items.ok) return items;
        if (!Array.isArray(items.value) || !items.value.every(isScalarValue)) return fail('Fn::Join needs a list of strings');
        return ok(items.value.map(String).join(list[0]));
      }
      case 'Fn::Select': {
        if (list?.length !== 2) return fail('Fn::Select needs [index, list]');
        const index = this.resolve(list[0]);
        const items = this.resolve(list[1]);
        if (!index.ok) return index;
        if (!items.ok) return items;
        const i = Number(index.value);
        if (!Array.isArray(items.value) || !Number.isInteger(i) || i < 0 || i >= items.value.length) {
          return fail(`Fn::Select index ${String(index.value)} is out of range`);
        }
        return ok(items.value[i]);
      }
      case 'Fn::Split': {
        if (list?.length !== 2 || typeof list[0] !== 'string') return fail('Fn::Split needs [delimiter, string]');
        const source = this.resolve(list[1]);
        if (!source.ok) return source;
        return typeof source.value === 'string' ? ok(source.value.split(list[0])) : fail('Fn::Split needs a string');
      }
      case 'Fn::FindInMap':
        return this.findInMap(list);
      case 'Fn::Base64': {
        const source = this.resolve(arg);
        if (!source.ok) return source;
        return typeof source.value === 'string' ? ok(Buffer.from(source.value).toString('base64')) : fail('Fn::Base64 needs a string');
      }
      case 'Fn::If': {
        if (list?.length !== 3 || typeof list[0] !== 'string') return fail('Fn::If needs [condition, then, else]');
        const cond = this.condition(list[0]);
        if (!cond.ok) return cond;
        return this.resolve(cond.value === true ? list[1] : list[2]);
      }
      case 'Fn::Equals': {
        if (list?.length !== 2) return fail('Fn::Equals needs two values');
        const a = this.resolve(list[0]);
        const b = this.resolve(list[1]);
        if (!a.ok) return a;
        if (!b.ok) return b;
        const text = (v: unknown): string => (isScalarValue(v) ? String(v) : JSON.stringify(v));
        return ok(text(a.value) === text(b.value));
      }
      case 'Fn::And':
      case 'Fn::Or':
      case 'Fn::Not':
        return this.logical(name, list);
      default:
        return fail(`${describeIntrinsic(fn)} cannot be resolved locally`);
    }
  }

  private logical(name: string, list: readonly unknown[] | undefined): Resolution {
    if (list === undefined || list.length === 0 || (name === 'Fn::Not' && list.length !== 1)) return fail(`${name} needs a list of conditions`);
    const values: boolean[] = [];
    for (const item of list) {
      const r = this.conditionValue(item);
      if (!r.ok) return r;
      values.push(r.value === true);
    }
    if (name === 'Fn::Not') return ok(!values[0]);
    return ok(name === 'Fn::And' ? values.every(Boolean) : values.some(Boolean));
  }

  private ref(name: string): Resolution {
    if (this.ctx.pseudo.has(name)) return ok(this.ctx.pseudo.get(name));
    if (this.ctx.parameters.has(name)) {
      const value = this.ctx.parameters.get(name);
      return value === undefined ? fail(`parameter ${name} has no Default (and no override)`) : ok(value);
    }
    if (this.ctx.resourceIds.has(name)) return this.ctx.resourceAttribute?.(name, undefined, this) ?? fail(`Ref ${name} (a resource) cannot be resolved locally`);
    if (name.startsWith('AWS::')) return fail(`pseudo parameter ${name} is not known`);
    return fail(`Ref ${name}: no parameter or resource has this name`);
  }

  /** `Fn::GetAtt`: `X.Attr` or `[X, Attr]` (the attribute may itself be a `Ref`), through the context's hook. */
  private getAtt(fn: Record<string, unknown>, arg: unknown): Resolution {
    let id: unknown;
    let attribute: unknown;
    if (typeof arg === 'string' && arg.includes('.')) [id, attribute] = [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)];
    else if (Array.isArray(arg) && arg.length === 2) {
      const r = this.resolve(arg[1]);
      [id, attribute] = [arg[0], r.ok ? r.value : undefined];
    }
    if (typeof id === 'string' && typeof attribute === 'string' && attribute !== '' && this.ctx.resourceIds.has(id)) {
      const r = this.ctx.resourceAttribute?.(id, attribute, this);
      if (r !== undefined) return r;
    }
    return fail(`${describeIntrinsic(fn)} cannot be resolved locally`);
  }

  private findInMap(list: readonly unknown[] | undefined): Resolution {
    if (list === undefined || list.length < 3) return fail('Fn::FindInMap needs [map, key, key]');
    const keys: string[] = [];
    for (const item of list.slice(0, 3)) {
      const r = this.resolve(item);
      if (!r.ok) return r;
      if (!isScalarValue(r.value)) return fail('Fn::FindInMap keys must be strings');
      keys.push(String(r.value));
    }
    const [map = '', top = '', second = ''] = keys;
    const level1 = this.ctx.mappings[map];
    const level2 = isPlainObject(level1) ? level1[top] : undefined;
    const value = isPlainObject(level2) ? level2[second] : undefined;
    return value === undefined ? fail(`Fn::FindInMap ${map}.${top}.${second} is not in Mappings`) : ok(value);
  }

  private sub(arg: unknown): Resolution {
    let template: unknown = arg;
    let vars: Record<string, unknown> = {};
    if (Array.isArray(arg)) {
      if (arg.length !== 2 || !isPlainObject(arg[1])) return fail('Fn::Sub needs a string or [string, variables]');
      template = arg[0];
      vars = arg[1];
    }
    if (typeof template !== 'string') return fail('Fn::Sub needs a string');
    let out = '';
    let at = 0;
    for (;;) {
      const start = template.indexOf('${', at);
      const end = start < 0 ? -1 : template.indexOf('}', start + 2);
      if (start < 0 || end < 0) return ok(out + template.slice(at));
      out += template.slice(at, start);
      const name = template.slice(start + 2, end);
      at = end + 1;
      if (name.startsWith('!')) {
        out += `\${${name.slice(1)}}`;
        continue;
      }
      const r = Object.hasOwn(vars, name) ? this.resolve(vars[name]) : name.includes('.') ? this.subAttribute(name) : this.ref(name);
      if (!r.ok) return r;
      if (!isScalarValue(r.value)) return fail(`Fn::Sub \${${name}} is not a string`);
      out += String(r.value);
    }
  }

  /** `${Resource.Attribute}` in `Fn::Sub`: the `Fn::GetAtt` of that resource. */
  private subAttribute(name: string): Resolution {
    const dot = name.indexOf('.');
    const id = name.slice(0, dot);
    const known = this.ctx.resourceIds.has(id) ? this.ctx.resourceAttribute?.(id, name.slice(dot + 1), this) : undefined;
    return known ?? fail(`Fn::Sub \${${name}} (Fn::GetAtt) cannot be resolved locally`);
  }
}
