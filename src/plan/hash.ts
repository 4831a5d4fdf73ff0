// The desired-state hash of one release on one cluster: sha256 over canonical JSON (sorted keys,
// no undefined) of the chart coordinates, the rendered values (valuesFrom's included), the options
// and how the chart is reached (chartAccess). Fields absent leave the hash as it was. Equal hash with
// what the status says was applied means there is nothing to do: a quiet fleet runs no helm.
import * as crypto from 'node:crypto';
import type { ReleaseRequest } from '../model/ports.ts';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

// The material's keys in the order canonicalJson sorts them, so the hash text is written
// directly: no material object and no key sort per release (820k releases at 100k clusters).
const MATERIAL_KEYS = [
  'chartAccess',
  'chartName',
  'chartVersion',
  'driftExclusions',
  'options',
  'patches',
  'releaseName',
  'releaseNamespace',
  'reloader',
  'repositoryName',
  'repositoryURL',
  'values',
  'valuesFrom',
] as const satisfies ReadonlyArray<keyof ReleaseRequest>;

const QUOTED_KEYS = MATERIAL_KEYS.map((k) => `${JSON.stringify(k)}:`);
const NO_FIELDS: ReadonlyArray<keyof ReleaseRequest> = [];

/**
 * canonicalJson of the release's hashed fields, written without building and sorting an object,
 * as fixed texts around the string fields in `varying`: texts[0] + JSON(varying field 0) +
 * texts[1] + … + texts[n]. With no field varying, texts[0] is the whole material.
 */
function materialTexts(base: ReleaseRequest, varying: ReadonlyArray<keyof ReleaseRequest>): { texts: string[]; keys: Array<keyof ReleaseRequest> } {
  const texts: string[] = [];
  const keys: Array<keyof ReleaseRequest> = [];
  let text = '{';
  let first = true;
  for (let i = 0; i < MATERIAL_KEYS.length; i++) {
    const k = MATERIAL_KEYS[i]!;
    const sep = first ? '' : ',';
    if (varying.includes(k)) {
      texts.push(text + sep + QUOTED_KEYS[i]!);
      keys.push(k);
      text = '';
      first = false;
      continue;
    }
    const v = base[k];
    if (v === undefined) continue;
    text += sep + QUOTED_KEYS[i]! + (typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v));
    first = false;
  }
  texts.push(`${text}}`);
  return { texts, keys };
}

// crypto.hash (Node ≥ 20.12) skips the Hash object createHash builds per call: the same digest at
// about half the cost. package.json accepts Node ≥ 20.5, hence the fallback.
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function releaseHash(release: ReleaseRequest): string {
  return `sha256:${sha256Hex(materialTexts(release, NO_FIELDS).texts[0]!)}`;
}

/**
 * releaseHash for releases that differ from `base` only in the string fields `varying` (one chart
 * entry rendered per cluster differs in its templated fields): the JSON of every other field is
 * written once, here, instead of once per cluster.
 */
export function releaseHasher(base: ReleaseRequest, varying: ReadonlyArray<keyof ReleaseRequest>): (release: ReleaseRequest) => string {
  const { texts, keys } = materialTexts(base, varying);
  return (release) => {
    let out = texts[0]!;
    for (let j = 0; j < keys.length; j++) {
      const v = release[keys[j]!];
      if (typeof v !== 'string') return releaseHash(release);
      out += JSON.stringify(v) + texts[j + 1]!;
    }
    return `sha256:${sha256Hex(out)}`;
  };
}
