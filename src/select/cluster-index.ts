// The fleet of one loaded revision, sorted once in selection order (namespace, then name), with
// the clusters of each namespace and of each label value listed, so that a selector is tested only
// on the clusters that can match it: those of its narrowest equality, In or Exists requirement
// (or of the namespace). With 100k clusters and 2k selectors that keeps matching from being
// sets × clusters. Built once per loaded revision (plan/ keeps it); loaded objects are never
// mutated, so what the index derives from them stays right for its lifetime.
import type { ClusterKey, ClusterSelector, ObjectRef, SveltosCluster } from '../model/objects.ts';
import { clusterRef } from '../status/snapshot.ts';
import { compileSelector, type Requirement } from './selector.ts';

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

/** The clusters carrying one label name: all of them, and by value. */
interface Label {
  all: IndexedCluster[];
  byValue: Map<string, IndexedCluster[]>;
}

export function indexClusters(objects: readonly SveltosCluster[]): ClusterIndex {
  const clusters = sortedClusters(objects);
  const byKey = new Map(clusters.map((c) => [c.key, c]));
  const byNamespace = new Map<string, IndexedCluster[]>();
  const byLabel = new Map<string, Label>();
  for (const c of clusters) {
    listIn(byNamespace, c.namespace).push(c);
    const labels = c.object.metadata.labels ?? {};
    for (const name in labels) {
      let label = byLabel.get(name);
      if (!label) byLabel.set(name, (label = { all: [], byValue: new Map() }));
      label.all.push(c);
      listIn(label.byValue, labels[name]!).push(c);
    }
  }

  /** The clusters that can satisfy `r`, as lists to join; undefined when `r` does not narrow (NotIn, Gt, …). */
  function postings(r: Requirement): List[] | undefined {
    const label = byLabel.get(r.key);
    switch (r.op) {
      case 'Equals':
        return [label?.byValue.get(r.values[0] ?? '') ?? NONE];
      case 'In':
        return [...new Set(r.values)].map((v) => label?.byValue.get(v) ?? NONE);
      case 'Exists':
        return [label?.all ?? NONE];
      default:
        return undefined;
    }
  }

  /** The shortest list every match is in: of the namespace, or of one requirement (joined only if chosen). */
  function narrowest(requirements: readonly Requirement[], namespace: string | undefined): List {
    let best: List = namespace === undefined ? clusters : (byNamespace.get(namespace) ?? NONE);
    for (const r of requirements) {
      const lists = postings(r);
      if (lists && lists.reduce((n, l) => n + l.length, 0) < best.length) best = lists.length === 1 ? lists[0]! : lists.flat().sort(byOrdinal);
    }
    return best;
  }

  const refs = new Array<ObjectRef>(clusters.length);
  return {
    clusters,
    byKey: (key) => byKey.get(key),
    refOf: (c) => (refs[c.ordinal] ??= Object.freeze(clusterRef(c.object.apiVersion, c.namespace, c.name))),
    matchSelector(selector, namespace) {
      const sel = compileSelector(selector);
      if (sel.empty) return NONE;
      return narrowest(sel.requirements, namespace).filter((c) => (namespace === undefined || c.namespace === namespace) && sel.matches(c.object.metadata.labels));
    },
  };
}

/** In (namespace, name) order, once per key: the loader reports duplicates, and the first one counts. */
function sortedClusters(objects: readonly SveltosCluster[]): IndexedCluster[] {
  const clusters: IndexedCluster[] = [];
  const seen = new Set<ClusterKey>();
  for (const object of [...objects].sort(byNamespaceThenName)) {
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name;
    const key = `${namespace}/${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    clusters.push({ key, namespace, name, ordinal: clusters.length, paused: object.spec?.paused === true, object });
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

const byOrdinal = (a: IndexedCluster, b: IndexedCluster): number => a.ordinal - b.ordinal;

function listIn<K>(map: Map<K, IndexedCluster[]>, key: K): IndexedCluster[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}
