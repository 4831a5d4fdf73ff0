// Label and field selectors as the API server parses them from query strings
// (`labelSelector=app=web,tier in (a,b),!legacy`, `fieldSelector=metadata.name=x`).

import type { KubeObject } from './apiserver-store.ts';

export type SelectorOp = '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists';

export interface Requirement {
  key: string;
  op: SelectorOp;
  values: string[];
}

export class SelectorError extends Error {
  readonly code = 'BadSelector';
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((x) => x.trim()).filter((x) => x !== '');
}

export function parseLabelSelector(s: string): Requirement[] {
  return splitTerms(s).map((term) => {
    const set = /^([^\s!=()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (set) {
      const values = set[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
      return { key: set[1]!, op: set[2] as 'in' | 'notin', values };
    }
    const cmp = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s=!]*)$/.exec(term);
    if (cmp) return { key: cmp[1]!, op: cmp[2] === '!=' ? '!=' : '=', values: [cmp[3]!] };
    const exists = /^(!?)([^\s!=()]+)$/.exec(term);
    if (exists) return { key: exists[2]!, op: exists[1] ? '!exists' : 'exists', values: [] };
    throw new SelectorError(`unable to parse requirement: ${JSON.stringify(term)}`);
  });
}

/** Field selectors only know `=`, `==` and `!=`. */
export function parseFieldSelector(s: string): Requirement[] {
  return splitTerms(s).map((term) => {
    const cmp = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!cmp) throw new SelectorError(`invalid field selector: ${JSON.stringify(term)}`);
    return { key: cmp[1]!, op: cmp[2] === '!=' ? '!=' : '=', values: [cmp[3]!] };
  });
}

export function matches(requirements: readonly Requirement[], lookup: (key: string) => string | undefined): boolean {
  return requirements.every((r) => {
    const v = lookup(r.key);
    switch (r.op) {
      case '=':
        return v === r.values[0];
      case '!=':
        return v !== r.values[0];
      case 'in':
        return v !== undefined && r.values.includes(v);
      case 'notin':
        return v === undefined || !r.values.includes(v);
      case 'exists':
        return v !== undefined;
      case '!exists':
        return v === undefined;
      default: {
        const never: never = r.op;
        return never;
      }
    }
  });
}

/** Value of a dotted field path (`metadata.name`, `spec.nodeName`, `type`) as a string. */
export function fieldValue(obj: unknown, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return path === 'metadata.namespace' ? '' : undefined;
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** A filter built from `labelSelector` and `fieldSelector`. */
export function selectorFilter(query: URLSearchParams): (o: KubeObject) => boolean {
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '');
  return (o) => matches(labels, (k) => o.metadata.labels?.[k]) && matches(fields, (k) => fieldValue(o, k));
}
