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
  /** The same matches as ordinals, ascending (what set selection walks). */
  matchOrdinals(selector: ClusterSelector | undefined, namespace?: string): readonly number[];
  // Columns by ordinal: what set selection reads of every cluster it considers, kept together
  // rather than in 10k scattered objects (135k reads per cycle at 10k clusters, 1k sets).
  /** 1 where the cluster is paused. */
  readonly paused: Uint8Array;
  /** The cluster's namespace as a number (see namespaceNumber). */
  readonly namespaces: Int32Array;
  /** The number namespaces holds for `namespace`; -1 when no cluster is in it. */
  namespaceNumber(namespace: string): number;
  /** refOf by ordinal. */
  refAt(ordinal: number): ObjectRef;
}

const SEP = '\u0000';
const NONE: readonly number[] = [];

interface Postings {
  values: Map<string, number[]>;
  all: number[];
}
const NO_POSTINGS: Postings = { values: new Map(), all: [] };

/** A selector's matches: ordinals, and the clusters once someone asks for them. */
interface Match {
  // A plain array of small integers: on the JS heap, where a typed array's own buffer costs an
  // allocation outside it and bookkeeping by the GC for each of ~1k selectors per revision.
  ordinals: readonly number[];
  clusters?: readonly IndexedCluster[];
}

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
  const byNamespace = new Map<string, number[]>();
  let lastNamespace: string | undefined;
  let inNamespace: number[] = [];
  // Label name → value → ordinals, and label name → ordinals: no key string per label per cluster.
  const byLabel = new Map<string, Postings>();
  const lastNames: string[] = [];
  const lastPostings: Postings[] = [];
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
    // Labels are read here, while the object is at hand: a pass per label later would fetch
    // 10k objects from memory again for every label a selector names.
    const labels = object.metadata.labels;
    if (!labels) continue;
    let j = 0;
    for (const k in labels) {
      // Clusters mostly carry the same label names in the same order: the previous cluster's
      // j-th label usually is this one's, and its postings need no lookup by name.
      let postings = j < lastNames.length && lastNames[j] === k ? lastPostings[j]! : undefined;
      if (postings === undefined) {
        postings = byLabel.get(k);
        if (postings === undefined) {
          postings = { values: new Map(), all: [] };
          byLabel.set(k, postings);
        }
        lastNames[j] = k;
        lastPostings[j] = postings;
      }
      j++;
      const v = labels[k]!;
      const list = postings.values.get(v);
      if (list) list.push(c.ordinal);
      else postings.values.set(v, [c.ordinal]);
      postings.all.push(c.ordinal);
    }
  }
  const labelIndex = (key: string): Postings => byLabel.get(key) ?? NO_POSTINGS;
  const withLabel = (key: string, value: string): readonly number[] => labelIndex(key).values.get(value) ?? NONE;
  const paused = new Uint8Array(clusters.length);
  const namespaces = new Int32Array(clusters.length);
  const namespaceNumbers = new Map<string, number>();
  for (const [namespace, ordinals] of byNamespace) {
    namespaceNumbers.set(namespace, namespaceNumbers.size);
    for (const o of ordinals) namespaces[o] = namespaceNumbers.size - 1;
  }
  for (const c of clusters) if (c.paused) paused[c.ordinal] = 1;

  const compiled = new Map<string, CompiledSelector>();
  /** Matches by selector and namespace: ordinals, and the clusters once someone asks for them. */
  const results = new Map<string, Match>();
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
  const keyBits = (key: string): Uint32Array => bits(`k${key}`, () => [labelIndex(key).all]);

  /**
   * Each requirement as a bitmap test (`negate` for NotIn, DoesNotExist, !=), plus the smallest
   * posting list every match must be in. Undefined when a requirement needs the compiled
   * selector (Gt/Lt compare numbers).
   */
  function plan(reqs: readonly Requirement[]): { tests: Array<{ b: Uint32Array; negate: boolean }>; smallest?: { size: number; list: () => readonly number[] } } | undefined {
    const tests: Array<{ b: Uint32Array; negate: boolean }> = [];
    // Only its size until the candidates are tested one by one (an In list is a merge to build).
    let smallest: { size: number; list: () => readonly number[] } | undefined;
    const consider = (list: () => readonly number[], size: number): void => {
      if (smallest === undefined || size < smallest.size) smallest = { size, list };
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
          const list = labelIndex(r.key).all;
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

  // Loaded selectors are never mutated, so an object selector's text is kept per object: a set
  // or profile asks about the same selector object every cycle.
  const keyOf = new WeakMap<object, string>();
  function match(selector: ClusterSelector | undefined, namespace: string | undefined): Match {
    if (selector === undefined || selector === null) return { ordinals: NONE };
    let selKey: string;
    if (typeof selector === 'string') selKey = `s${selector}`;
    else {
      let key = keyOf.get(selector);
      if (key === undefined) {
        key = `o${JSON.stringify(selector)}`;
        keyOf.set(selector, key);
      }
      selKey = key;
    }
    const resultKey = namespace === undefined ? selKey : `${namespace}${SEP}${selKey}`;
    const cached = results.get(resultKey);
    if (cached) return cached;
    let sel = compiled.get(selKey);
    if (!sel) {
      sel = compileSelector(selector); // validates; throws SelectorSyntaxError, and nothing is cached then
      compiled.set(selKey, sel);
    }
    const result = { ordinals: sel.empty ? NONE : find(sel, requirementsOf(selector), namespace) };
    results.set(resultKey, result);
    return result;
  }

  function find(sel: CompiledSelector, reqs: readonly Requirement[], namespace: string | undefined): readonly number[] {
    const p = plan(reqs);
    const inNamespace = namespace === undefined ? undefined : (byNamespace.get(namespace) ?? NONE);
    let size = p?.smallest?.size;
    if (inNamespace && (size === undefined || inNamespace.length < size)) size = inNamespace.length;
    // Many candidates: AND the requirements' bitmaps word by word and read the matches off, in
    // ordinal order; cost by fleet size / 32, not by candidates tested one by one.
    if (p && !(size !== undefined && size * 8 < words)) return intersect(p.tests, namespace);
    const candidates = inNamespace && inNamespace.length === size ? inNamespace : p?.smallest?.list();
    const found: number[] = [];
    const test = p
      ? (i: number): boolean => {
          for (const t of p.tests) if ((((t.b[i >>> 5]! >>> (i & 31)) & 1) === 1) === t.negate) return false;
          return true;
        }
      : (i: number): boolean => sel.matches(clusters[i]!.object.metadata.labels);
    const visit = (i: number): void => {
      if ((namespace === undefined || clusters[i]!.namespace === namespace) && test(i)) found.push(i);
    };
    if (candidates) for (const i of candidates) visit(i);
    else for (let i = 0; i < clusters.length; i++) visit(i);
    return found;
  }

  function matchSelector(selector: ClusterSelector | undefined, namespace?: string): readonly IndexedCluster[] {
    const m = match(selector, namespace);
    if (m.clusters === undefined) {
      const list = new Array<IndexedCluster>(m.ordinals.length);
      for (let i = 0; i < list.length; i++) list[i] = clusters[m.ordinals[i]!]!;
      m.clusters = list;
    }
    return m.clusters;
  }

  const words = (clusters.length >>> 5) + 1;
  const acc = new Uint32Array(words); // intersect's scratch: one per index, not one per selector
  /** Ordinals in every test's bitmap (outside it for a negated test) and in `namespace` if given. */
  function intersect(tests: ReadonlyArray<{ b: Uint32Array; negate: boolean }>, namespace: string | undefined): readonly number[] {
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
    let count = 0;
    for (let w = 0; w < words; w++) count += popcount(acc[w]!);
    const found = new Array<number>(count);
    let n = 0;
    for (let w = 0; w < words; w++) {
      let x = acc[w]!;
      while (x !== 0) {
        const low = x & -x;
        found[n++] = (w << 5) + 31 - Math.clz32(low);
        x ^= low;
      }
    }
    return found;
  }

  const refs: ObjectRef[] = new Array(clusters.length); // sized: filled out of order
  const newRef = (c: IndexedCluster): ObjectRef => Object.freeze(clusterRef(c.object.apiVersion, c.namespace, c.name));
  const refAt = (o: number): ObjectRef => (refs[o] ??= newRef(clusters[o]!));

  return {
    clusters,
    byKey: (key) => byKey.get(key),
    refOf: (c) => refAt(c.ordinal),
    refAt,
    matchSelector,
    matchOrdinals: (selector, namespace) => match(selector, namespace).ordinals,
    paused,
    namespaces,
    namespaceNumber: (namespace) => namespaceNumbers.get(namespace) ?? -1,
  };
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
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
