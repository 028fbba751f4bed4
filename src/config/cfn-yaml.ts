/**
 * Reading a CloudFormation / SAM template: YAML (with CloudFormation's short-form tags) or JSON.
 *
 * Short-form tags become the long form CloudFormation itself uses, so the rest of the loader
 * only ever sees plain data: `!Ref X` -> `{ "Ref": "X" }`, `!Sub s` -> `{ "Fn::Sub": "s" }`,
 * `!GetAtt A.B` -> `{ "Fn::GetAtt": ["A", "B"] }`, `!Condition C` -> `{ "Condition": "C" }`.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../errors.js';

/** CloudFormation's short-form tags and the long-form key each one stands for. */
export const CFN_SHORT_TAGS: Readonly<Record<string, string>> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!Sub': 'Fn::Sub',
  '!GetAtt': 'Fn::GetAtt',
  '!Join': 'Fn::Join',
  '!If': 'Fn::If',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!FindInMap': 'Fn::FindInMap',
  '!Base64': 'Fn::Base64',
  '!ImportValue': 'Fn::ImportValue',
  '!GetAZs': 'Fn::GetAZs',
  '!Equals': 'Fn::Equals',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Not': 'Fn::Not',
  '!Cidr': 'Fn::Cidr',
  '!Transform': 'Fn::Transform',
  '!Length': 'Fn::Length',
  '!ToJsonString': 'Fn::ToJsonString',
};

/** Aliases nested deeper than this are refused (protects against alias bombs). */
const MAX_DEPTH = 200;

/**
 * Parse template text. `fileName` only serves error messages; a `.json` name selects JSON.
 *
 * @example
 * parseTemplateText('Resources:\n  F:\n    Properties: { Handler: !Ref H }\n', 'template.yaml');
 * // { Resources: { F: { Properties: { Handler: { Ref: 'H' } } } } }
 */
export function parseTemplateText(text: string, fileName: string): unknown {
  if (extname(fileName).toLowerCase() === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new ConfigError(`Template ${fileName} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const [first] = doc.errors;
  if (first !== undefined) {
    throw new ConfigError(`Template ${fileName} is not valid YAML: ${first.message}`);
  }
  const where = (node: Node): string => {
    const offset = node.range?.[0];
    if (offset === undefined) return '';
    const { line, col } = lineCounter.linePos(offset);
    return ` at line ${line}, column ${col}`;
  };
  return toPlain(doc.contents, doc, 0, (node, tag) => {
    throw new ConfigError(`Template ${fileName}: unknown tag ${tag}${where(node)}`);
  });
}

/** Read and parse a template file; a missing or unreadable file is a ConfigError. */
export function readTemplateFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new ConfigError(`Cannot read template ${path}: ${why}`);
  }
  return parseTemplateText(text, path);
}

type UnknownTag = (node: Node, tag: string) => never;

function toPlain(node: unknown, doc: Document, depth: number, unknownTag: UnknownTag): unknown {
  if (depth > MAX_DEPTH) throw new ConfigError('Template nests too deeply (alias loop?)');
  if (!isNode(node)) return node ?? null;
  if (isAlias(node)) return toPlain(node.resolve(doc), doc, depth + 1, unknownTag);
  let value: unknown;
  if (isScalar(node)) {
    value = node.value;
  } else if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = toPlain(pair.key, doc, depth + 1, unknownTag);
      out[String(key)] = toPlain(pair.value, doc, depth + 1, unknownTag);
    }
    value = out;
  } else if (isSeq(node)) {
    value = node.items.map((item) => toPlain(item, doc, depth + 1, unknownTag));
  }
  return applyTag(node, value, unknownTag);
}

function applyTag(node: Node, value: unknown, unknownTag: UnknownTag): unknown {
  const tag = node.tag;
  if (tag === undefined || !tag.startsWith('!')) return value;
  const key = CFN_SHORT_TAGS[tag];
  if (key === undefined) return unknownTag(node, tag);
  if (key === 'Fn::GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [key]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [key]: value ?? '' };
}
