// The fleet, sorted once (namespace, then name) and indexed by label and namespace, so a set or
// profile only runs its compiled selector over the clusters that can possibly match: the
// smallest posting list among its equality / In / Exists requirements. With 100k clusters and
// 1k sets this is what keeps selection from being O(sets × clusters).
import type { ClusterKey, ClusterSelector, LabelSelector, ObjectRef, SveltosCluster } from '../model/objects.ts';
import { clusterRef } from '../status/snapshot.ts';
import { compileSelector, parseSelectorString, type CompiledSelector, type Requirement } from './selector.ts';

export interface IndexedCluster {
  key: ClusterKey;
  namespace: string;
  name: string;
  /** Position in the sorted fleet; comparing ordinals is comparing (namespace, name). */
  ordinal: number;
  paused: boolean;
  object: SveltosCluster;
}

export interface ClusterIndex {
  /** Every cluster, in selection order. */
  readonly clusters: readonly IndexedCluster[];
  byKey(key: ClusterKey): IndexedCluster | undefined;
  /** The cluster's ObjectReference as status writes it; one shared, frozen object per cluster. */
  refOf(c: IndexedCluster): ObjectRef;
  /**
   * Clusters the selector matches (restricted to `namespace` when given), in selection order.
   * An empty or absent selector matches nothing. Throws SelectorSyntaxError for a bad selector.
   */
  matchSelector(selector: ClusterSelector | undefined, namespace?: string): readonly IndexedCluster[];
}

const SEP = '\u0000';
const NONE: readonly number[] = [];

/** (namespace, name) order; the loader reads files in path order, so the fleet usually comes sorted. */
function byNamespaceThenName(a: SveltosCluster, b: SveltosCluster): number {
  const p = a.metadata.namespace ?? '';
  const q = b.metadata.namespace ?? '';
  if (p !== q) return p < q ? -1 : 1;
  const x = a.metadata.name;
  const y = b.metadata.name;
  return x < y ? -1 : x > y ? 1 : 0;
}

function isSorted(objects: readonly SveltosCluster[]): boolean {
  for (let i = 1; i < objects.length; i++) if (byNamespaceThenName(objects[i - 1]!, objects[i]!) > 0) return false;
  return true;
}

export function indexClusters(objects: readonly SveltosCluster[]): ClusterIndex {
  const sorted = isSorted(objects) ? objects : [...objects].sort(byNamespaceThenName);
  const clusters: IndexedCluster[] = [];
  const byKey = new Map<ClusterKey, IndexedCluster>();
  // label name → value → ordinals, and label name → ordinals: no key string per label per cluster.
  const byLabel = new Map<string, Map<string, number[]>>();
  const byLabelKey = new Map<string, number[]>();
  const byNamespace = new Map<string, number[]>();
  let lastNamespace: string | undefined;
  let inNamespace: number[] = [];
  for (const object of sorted) {
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name;
    const key = `${namespace}/${name}`;
    if (byKey.has(key)) continue; // the loader reports duplicates; the first one counts
    const c: IndexedCluster = { key, namespace, name, ordinal: clusters.length, paused: object.spec?.paused === true, object };
    clusters.push(c);
    byKey.set(key, c);
    if (namespace !== lastNamespace) {
      lastNamespace = namespace;
      inNamespace = [];
      byNamespace.set(namespace, inNamespace); // sorted input: each namespace is one run
    }
    inNamespace.push(c.ordinal);
    const labels = object.metadata.labels;
    if (!labels) continue;
    for (const k in labels) {
      const v = labels[k]!;
      let values = byLabel.get(k);
      if (!values) {
        values = new Map();
        byLabel.set(k, values);
        byLabelKey.set(k, []);
      }
      const list = values.get(v);
      if (list) list.push(c.ordinal);
      else values.set(v, [c.ordinal]);
      byLabelKey.get(k)!.push(c.ordinal);
    }
  }
  const withLabel = (key: string, value: string): readonly number[] => byLabel.get(key)?.get(value) ?? NONE;

  const compiled = new Map<string, CompiledSelector>();
  const results = new Map<string, readonly IndexedCluster[]>();
  const bitsCache = new Map<string, Uint32Array>();

  /** Membership bitmap of a posting list (or a union of them), built once per index. */
  function bits(cacheKey: string, lists: () => ReadonlyArray<readonly number[]>): Uint32Array {
    let b = bitsCache.get(cacheKey);
    if (!b) {
      b = new Uint32Array((clusters.length >>> 5) + 1);
      for (const list of lists()) for (const i of list) b[i >>> 5]! |= 1 << (i & 31);
      bitsCache.set(cacheKey, b);
    }
    return b;
  }
  const labelBits = (key: string, values: readonly string[]): Uint32Array =>
    bits(`v${key}${SEP}${values.join(SEP)}`, () => values.map((v) => withLabel(key, v)));
  const keyBits = (key: string): Uint32Array => bits(`k${key}`, () => [byLabelKey.get(key) ?? NONE]);

  /**
   * Each requirement as a bitmap test (`negate` for NotIn, DoesNotExist, !=), plus the smallest
   * posting list every match must be in. Undefined when a requirement needs the compiled
   * selector (Gt/Lt compare numbers).
   */
  function plan(reqs: readonly Requirement[]): { tests: Array<{ b: Uint32Array; negate: boolean }>; smallest?: readonly number[] } | undefined {
    const tests: Array<{ b: Uint32Array; negate: boolean }> = [];
    let smallest: readonly number[] | undefined;
    const consider = (list: () => readonly number[], size: number): void => {
      if (smallest === undefined || size < smallest.length) smallest = list();
    };
    for (const r of reqs) {
      switch (r.op) {
        case 'Equals':
        case 'NotEquals': {
          const v = [r.values[0] ?? ''];
          tests.push({ b: labelBits(r.key, v), negate: r.op === 'NotEquals' });
          const list = withLabel(r.key, v[0]!);
          if (r.op === 'Equals') consider(() => list, list.length);
          break;
        }
        case 'In':
        case 'NotIn':
          tests.push({ b: labelBits(r.key, r.values), negate: r.op === 'NotIn' });
          if (r.op === 'In') {
            const lists = r.values.map((v) => withLabel(r.key, v));
            consider(() => union(lists), lists.reduce((n, l) => n + l.length, 0));
          }
          break;
        case 'Exists':
        case 'DoesNotExist': {
          tests.push({ b: keyBits(r.key), negate: r.op === 'DoesNotExist' });
          const list = byLabelKey.get(r.key) ?? NONE;
          if (r.op === 'Exists') consider(() => list, list.length);
          break;
        }
        case 'Gt':
        case 'Lt':
          return undefined;
      }
    }
    return { tests, ...(smallest !== undefined ? { smallest } : {}) };
  }

  function matchSelector(selector: ClusterSelector | undefined, namespace?: string): readonly IndexedCluster[] {
    if (selector === undefined || selector === null) return [];
    const selKey = typeof selector === 'string' ? `s${selector}` : `o${JSON.stringify(selector)}`;
    const resultKey = `${namespace ?? '*'}${SEP}${selKey}`;
    const cached = results.get(resultKey);
    if (cached) return cached;
    let sel = compiled.get(selKey);
    if (!sel) {
      sel = compileSelector(selector); // validates; throws SelectorSyntaxError, and nothing is cached then
      compiled.set(selKey, sel);
    }
    const found: IndexedCluster[] = [];
    if (!sel.empty) {
      const p = plan(requirementsOf(selector));
      const inNamespace = namespace === undefined ? undefined : (byNamespace.get(namespace) ?? NONE);
      let candidates: readonly number[] | undefined = p?.smallest;
      if (inNamespace && (candidates === undefined || inNamespace.length < candidates.length)) candidates = inNamespace;
      if (p && !(candidates && candidates.length * 8 < words)) {
        // Many candidates: AND the requirements' bitmaps word by word and read the matches off,
        // in ordinal order; cost by fleet size / 32, not by candidates tested one by one.
        intersect(p.tests, namespace, found);
        results.set(resultKey, found);
        return found;
      }
      const check = sel;
      const test = p
        ? (i: number): boolean => {
            for (const t of p.tests) if ((((t.b[i >>> 5]! >>> (i & 31)) & 1) === 1) === t.negate) return false;
            return true;
          }
        : (i: number): boolean => check.matches(clusters[i]!.object.metadata.labels);
      const visit = (i: number): void => {
        const c = clusters[i]!;
        if ((namespace === undefined || c.namespace === namespace) && test(i)) found.push(c);
      };
      if (candidates) for (const i of candidates) visit(i);
      else for (let i = 0; i < clusters.length; i++) visit(i);
    }
    results.set(resultKey, found);
    return found;
  }

  const words = (clusters.length >>> 5) + 1;
  /** Clusters in every test's bitmap (outside it for a negated test) and in `namespace` if given. */
  function intersect(tests: ReadonlyArray<{ b: Uint32Array; negate: boolean }>, namespace: string | undefined, found: IndexedCluster[]): void {
    const acc = new Uint32Array(words);
    if (namespace !== undefined) acc.set(bits(`n${namespace}`, () => [byNamespace.get(namespace) ?? NONE]));
    else {
      acc.fill(0xffffffff);
      acc[words - 1] = (1 << (clusters.length & 31)) - 1; // no bits past the last cluster
    }
    for (const t of tests) {
      const b = t.b;
      if (t.negate) for (let w = 0; w < words; w++) acc[w]! &= ~b[w]!;
      else for (let w = 0; w < words; w++) acc[w]! &= b[w]!;
    }
    for (let w = 0; w < words; w++) {
      let x = acc[w]!;
      while (x !== 0) {
        const low = x & -x;
        found.push(clusters[(w << 5) + 31 - Math.clz32(low)]!);
        x ^= low;
      }
    }
  }

  const refs: ObjectRef[] = new Array(clusters.length); // sized: filled out of order
  const refOf = (c: IndexedCluster): ObjectRef =>
    (refs[c.ordinal] ??= Object.freeze(clusterRef(c.object.apiVersion, c.namespace, c.name)));

  return { clusters, byKey: (key) => byKey.get(key), refOf, matchSelector };
}

/** Requirements of either selector form (the selector was validated by compileSelector first). */
function requirementsOf(selector: ClusterSelector): Requirement[] {
  if (typeof selector === 'string') return parseSelectorString(selector);
  const sel: LabelSelector = selector;
  const out: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, op: 'Equals', values: [v] }));
  for (const e of sel.matchExpressions ?? []) out.push({ key: e.key, op: e.operator, values: e.values ?? [] });
  return out;
}

/** Union of ascending ordinal lists, ascending: pairwise merges (In lists are short). */
function union(lists: ReadonlyArray<readonly number[]>): readonly number[] {
  let acc: readonly number[] = [];
  for (const l of lists) {
    if (l.length === 0) continue;
    if (acc.length === 0) {
      acc = l;
      continue;
    }
    const out: number[] = [];
    let i = 0;
    let j = 0;
    while (i < acc.length || j < l.length) {
      const a = i < acc.length ? acc[i]! : Infinity;
      const b = j < l.length ? l[j]! : Infinity;
      if (a <= b) {
        out.push(a);
        i++;
        if (a === b) j++;
      } else {
        out.push(b);
        j++;
      }
    }
    acc = out;
  }
  return acc;
}
