// The fleet of one loaded revision, sorted once in selection order (namespace, then name). A
// selector is answered as an AND of one bitmap per requirement (a bit per cluster), each built
// from the lists of clusters by label value and kept for the revision: with 100k clusters and 2k
// selectors that costs fleet/32 words per requirement instead of testing the labels of every
// candidate cluster. Built once per loaded revision (plan/ keeps it); loaded objects are never
// mutated, so what the index derives from them stays right for its lifetime.
import type { ClusterKey, ClusterSelector, ObjectRef, SveltosCluster } from '../model/objects.ts';
import { clusterRef } from '../status/snapshot.ts';
import { compileSelector, requirementTest, type Requirement } from './selector.ts';

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

type List = readonly IndexedCluster[];
const NONE: List = [];
const NO_ORDINALS: readonly number[] = [];
const SEP = '\u0000';

/** What each requirement needs of the labels: who carries which value; NotIn, DoesNotExist and != are complements. */
const POSITIVE: Partial<Record<Requirement['op'], Requirement['op']>> = { NotEquals: 'Equals', NotIn: 'In', DoesNotExist: 'Exists' };

export function indexClusters(objects: readonly SveltosCluster[]): ClusterIndex {
  const byKey = new Map<ClusterKey, IndexedCluster>();
  const clusters = sortedClusters(objects, byKey);
  const { byNamespace, byLabel } = postings(clusters);

  const bitmaps = new Bitmaps(clusters.length);
  /** The clusters meeting `r`, as a bitmap kept for the revision. */
  const bitsOf = (r: Requirement): Uint32Array =>
    bitmaps.get(`${r.op}${SEP}${r.key}${SEP}${r.values.join(SEP)}`, () => {
      const positive = POSITIVE[r.op];
      if (positive) return bitmaps.not(bitsOf({ ...r, op: positive }));
      const values = byLabel.get(r.key);
      switch (r.op) {
        case 'Equals':
        case 'In':
          return bitmaps.of(r.values.map((v) => values?.get(v) ?? NO_ORDINALS));
        case 'Exists':
          return bitmaps.of([...(values?.values() ?? [])]);
        default: {
          const test = requirementTest(r); // Gt, Lt: by the labels of every cluster
          return bitmaps.of([clusters.filter((c) => test(c.object.metadata.labels ?? {})).map((c) => c.ordinal)]);
        }
      }
    });
  const inNamespace = (namespace: string): Uint32Array => bitmaps.get(`namespace${SEP}${namespace}`, () => bitmaps.of([byNamespace.get(namespace) ?? NO_ORDINALS]));

  const refs = new Array<ObjectRef>(clusters.length);
  const answer = (selector: ClusterSelector | undefined, namespace: string | undefined): List => {
    const sel = compileSelector(selector);
    if (sel.empty) return NONE;
    const tests = sel.requirements.map(bitsOf);
    if (namespace !== undefined) tests.push(inNamespace(namespace));
    return Object.freeze(bitmaps.all(tests, clusters));
  };
  // A loaded selector is frozen, so its answer is a fact of the revision: every set and profile
  // asks again each cycle (1k sets at 10k clusters list 135k clusters a cycle).
  const answers = new Map<ClusterSelector, Map<string | undefined, List>>();
  return {
    clusters,
    byKey: (key) => byKey.get(key),
    refOf: (c) => (refs[c.ordinal] ??= Object.freeze(clusterRef(c.object.apiVersion, c.namespace, c.name))),
    matchSelector(selector, namespace) {
      if (selector === undefined || (typeof selector === 'object' && !Object.isFrozen(selector))) return answer(selector, namespace);
      let byNamespace = answers.get(selector);
      if (!byNamespace) answers.set(selector, (byNamespace = new Map()));
      let list = byNamespace.get(namespace);
      if (!list) byNamespace.set(namespace, (list = answer(selector, namespace)));
      return list;
    },
  };
}

/**
 * Who carries what, as ordinals: a bitmap is then built from a dense list of numbers, not from
 * cluster objects. By namespace, and by label name → value.
 */
function postings(clusters: readonly IndexedCluster[]): { byNamespace: Map<string, number[]>; byLabel: Map<string, Map<string, number[]>> } {
  const byNamespace = new Map<string, number[]>();
  const byLabel = new Map<string, Map<string, number[]>>();
  for (const c of clusters) {
    listIn(byNamespace, c.namespace).push(c.ordinal);
    const labels = c.object.metadata.labels ?? {};
    for (const name in labels) {
      let values = byLabel.get(name);
      if (!values) byLabel.set(name, (values = new Map()));
      listIn(values, labels[name]!).push(c.ordinal);
    }
  }
  return { byNamespace, byLabel };
}

/** Sets of cluster ordinals as bitmaps of one fleet's size, kept by name for the index's lifetime. */
class Bitmaps {
  private readonly kept = new Map<string, Uint32Array>();
  private readonly words: number;
  constructor(private readonly size: number) {
    this.words = (size >>> 5) + 1;
  }

  get(name: string, build: () => Uint32Array): Uint32Array {
    let b = this.kept.get(name);
    if (!b) this.kept.set(name, (b = build()));
    return b;
  }

  /** The clusters in any of the lists of ordinals. */
  of(lists: readonly (readonly number[])[]): Uint32Array {
    const b = new Uint32Array(this.words);
    for (const list of lists) for (const o of list) b[o >>> 5]! |= 1 << (o & 31);
    return b;
  }

  not(b: Uint32Array): Uint32Array {
    return b.map((w) => ~w);
  }

  /** The items at the ordinals in every bitmap, ascending. */
  all<T>(tests: readonly Uint32Array[], items: readonly T[]): T[] {
    const found: T[] = [];
    for (let w = 0; w < this.words; w++) {
      let x = 0xffffffff;
      for (let t = 0; t < tests.length; t++) x &= tests[t]![w]!;
      for (; x !== 0; x &= x - 1) {
        const o = (w << 5) + 31 - Math.clz32(x & -x);
        if (o < this.size) found.push(items[o]!);
      }
    }
    return found;
  }
}

/** In (namespace, name) order, once per key, into `byKey` too: the loader reports duplicates, and the first one counts. */
function sortedClusters(objects: readonly SveltosCluster[], byKey: Map<ClusterKey, IndexedCluster>): IndexedCluster[] {
  const clusters: IndexedCluster[] = [];
  for (const object of [...objects].sort(byNamespaceThenName)) {
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name;
    const key = `${namespace}/${name}`;
    if (byKey.has(key)) continue;
    const c: IndexedCluster = { key, namespace, name, ordinal: clusters.length, paused: object.spec?.paused === true, object };
    byKey.set(key, c);
    clusters.push(c);
  }
  return clusters;
}

function byNamespaceThenName(a: SveltosCluster, b: SveltosCluster): number {
  const p = a.metadata.namespace ?? '';
  const q = b.metadata.namespace ?? '';
  if (p !== q) return p < q ? -1 : 1;
  const x = a.metadata.name;
  const y = b.metadata.name;
  return x < y ? -1 : x > y ? 1 : 0;
}

function listIn<K>(map: Map<K, number[]>, key: K): number[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}
