// The JSON Schemas of schemas/*.json, compiled once with ajv and turned into diagnostics a
// person can act on: the dotted field path, what it must be, and what it was.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Kind } from '../model/objects.ts';
import { HELM_FORMATS } from './helm-fields.ts';
import type { PointAt } from './positions.ts';
import common from '../../schemas/common.json' with { type: 'json' };
import sveltoscluster from '../../schemas/sveltoscluster.json' with { type: 'json' };
import clusterset from '../../schemas/clusterset.json' with { type: 'json' };
import set from '../../schemas/set.json' with { type: 'json' };
import clusterprofile from '../../schemas/clusterprofile.json' with { type: 'json' };
import profile from '../../schemas/profile.json' with { type: 'json' };

/** One schema violation: where (a path of keys/indexes), and the message without the path. */
export interface SchemaViolation {
  path: Array<string | number>;
  /** What in the document to point at: the bad value, the bad key, or the parent of an absent field. */
  pointAt: PointAt;
  message: string;
}

export type KindValidators = Readonly<Record<Kind, ValidateFunction>>;

let compiled: KindValidators | undefined;

/** Compiles the five schemas on first use; every later call reuses them (compiling costs ~100 ms). */
export function kindValidators(): KindValidators {
  if (compiled) return compiled;
  // strictTypes off: the version branches (if/then) name properties without repeating `type`.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true });
  // ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
  const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
    addFormatsModule) as unknown as (a: Ajv) => Ajv;
  addFormats(ajv);
  for (const [name, validate] of Object.entries(HELM_FORMATS)) ajv.addFormat(name, { type: 'string', validate });
  ajv.addSchema(common);
  compiled = {
    SveltosCluster: ajv.compile(sveltoscluster),
    ClusterSet: ajv.compile(clusterset),
    Set: ajv.compile(set),
    ClusterProfile: ajv.compile(clusterprofile),
    Profile: ajv.compile(profile),
  };
  return compiled;
}

/** Validates `doc` (already stripped of nulls) against the schema of `kind`. */
export function schemaViolations(kind: Kind, doc: unknown): SchemaViolation[] {
  const validate = kindValidators()[kind];
  if (validate(doc)) return [];
  const out: SchemaViolation[] = [];
  const seen = new Set<string>();
  for (const err of validate.errors ?? []) {
    const v = describeError(err);
    if (!v) continue;
    const key = `${v.path.join('/')}|${v.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}

export function dottedPath(path: ReadonlyArray<string | number>): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? seg : `.${seg}`;
  }
  return s;
}

function pointerToPath(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
}

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

function typeName(t: unknown): string {
  const one = (x: string): string =>
    x === 'object' ? 'a mapping' : x === 'array' ? 'a list' : x === 'integer' ? 'an integer' : `a ${x}`;
  return Array.isArray(t) ? t.map((x) => one(String(x))).join(' or ') : one(String(t));
}

function describeError(err: ErrorObject): SchemaViolation | undefined {
  const path = pointerToPath(err.instancePath);
  const description = (err.parentSchema as { description?: string } | undefined)?.description;
  if (err.propertyName !== undefined) {
    // Raised inside `propertyNames`: the key itself is bad; say which and point at it.
    return {
      path: [...path, err.propertyName],
      pointAt: 'key',
      message: `${dottedPath(path)}: key ${show(err.propertyName)} is not ${description ?? 'valid'}`,
    };
  }
  switch (err.keyword) {
    case 'if':
    case 'allOf':
    case 'propertyNames':
      return undefined; // the branch's own errors, or the one raised inside, say what is wrong
    case 'required': {
      const field = String(err.params.missingProperty);
      const where = dottedPath(path);
      return {
        path: [...path, field],
        pointAt: 'parent',
        message: where === '' ? `missing required field "${field}"` : `${where}: missing required field "${field}"`,
      };
    }
    case 'additionalProperties': {
      const field = String(err.params.additionalProperty);
      const hint = path.length === 0 ? ' (only apiVersion, kind, metadata, spec and status; is it indented wrongly?)' : '';
      return { path: [...path, field], pointAt: 'key', message: `unknown field "${dottedPath([...path, field])}"${hint}` };
    }
    default:
      return { path, pointAt: 'value', message: `${dottedPath(path) || 'document'} ${valueProblem(err, path, description)}` };
  }
}

/** What is wrong with a value, after its field's name: `must be an integer (got "3")`. */
function valueProblem(err: ErrorObject, path: Array<string | number>, description: string | undefined): string {
  const p = err.params as Record<string, unknown>;
  const got = `(got ${show(err.data)})`;
  switch (err.keyword) {
    case 'type': {
      const hint =
        path[path.length - 1] === 'clusterSelector' && typeof err.data === 'string'
          ? ' (a selector string such as env=prod needs apiVersion .../v1alpha1)'
          : '';
      return `must be ${typeName(p.type)} ${got}${hint}`;
    }
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')} ${got}`;
    case 'const':
      return `must be ${show(p.allowedValue)} ${got}`;
    case 'pattern':
    case 'format':
    case 'maxLength':
      if (description) return `must be ${description} ${got}`;
      break;
    case 'minLength':
      if (p.limit === 1) return 'must not be empty';
      break;
    case 'minimum':
    case 'maximum':
      return `must be ${err.keyword === 'minimum' ? 'at least' : 'at most'} ${String(p.limit)} ${got}`;
  }
  // Any other keyword: ajv's own words.
  return err.message ?? 'is invalid';
}
