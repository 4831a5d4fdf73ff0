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

export function indexClusters(objects: readonly SveltosCluster[]): ClusterIndex {
  const sorted = objects
    .map((object) => ({ object, namespace: object.metadata.namespace ?? '', name: object.metadata.name }))
    .sort((a, b) =>
      a.namespace !== b.namespace ? (a.namespace < b.namespace ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  const clusters: IndexedCluster[] = [];
  const byKey = new Map<ClusterKey, IndexedCluster>();
  const byLabel = new Map<string, number[]>();
  const byLabelKey = new Map<string, number[]>();
  const byNamespace = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, i: number): void => {
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  };
  for (const s of sorted) {
    const key = `${s.namespace}/${s.name}`;
    if (byKey.has(key)) continue; // the loader reports duplicates; the first one counts
    const c: IndexedCluster = {
      key,
      namespace: s.namespace,
      name: s.name,
      ordinal: clusters.length,
      paused: s.object.spec?.paused === true,
      object: s.object,
    };
    clusters.push(c);
    byKey.set(key, c);
    push(byNamespace, s.namespace, c.ordinal);
    for (const [k, v] of Object.entries(s.object.metadata.labels ?? {})) {
      push(byLabel, k + SEP + v, c.ordinal);
      push(byLabelKey, k, c.ordinal);
    }
  }

  const compiled = new Map<string, CompiledSelector>();
  const results = new Map<string, readonly IndexedCluster[]>();
  const NONE: readonly number[] = [];

  /** Posting lists of which at least one must contain every match; the smallest one wins. */
  function candidateLists(requirements: readonly Requirement[]): Array<() => readonly number[]> {
    const out: Array<() => readonly number[]> = [];
    for (const r of requirements) {
      switch (r.op) {
        case 'Equals':
          out.push(() => byLabel.get(r.key + SEP + (r.values[0] ?? '')) ?? NONE);
          break;
        case 'In':
          out.push(() => union(r.values.map((v) => byLabel.get(r.key + SEP + v) ?? NONE)));
          break;
        case 'Exists':
        case 'Gt':
        case 'Lt':
          out.push(() => byLabelKey.get(r.key) ?? NONE);
          break;
        case 'NotEquals':
        case 'NotIn':
        case 'DoesNotExist':
          break; // satisfied by clusters without the label: no narrowing
      }
    }
    return out;
  }

  function sizeOf(r: Requirement): number {
    switch (r.op) {
      case 'Equals':
        return byLabel.get(r.key + SEP + (r.values[0] ?? ''))?.length ?? 0;
      case 'In':
        return r.values.reduce((n, v) => n + (byLabel.get(r.key + SEP + v)?.length ?? 0), 0);
      default:
        return byLabelKey.get(r.key)?.length ?? 0;
    }
  }

  function matchSelector(selector: ClusterSelector | undefined, namespace?: string): readonly IndexedCluster[] {
    if (selector === undefined || selector === null) return [];
    const selKey = typeof selector === 'string' ? `s${selector}` : `o${JSON.stringify(selector)}`;
    const resultKey = `${namespace ?? '*'}${SEP}${selKey}`;
    const cached = results.get(resultKey);
    if (cached) return cached;
    let sel = compiled.get(selKey);
    if (!sel) {
      sel = compileSelector(selector); // throws SelectorSyntaxError: nothing is cached then
      compiled.set(selKey, sel);
    }
    let found: IndexedCluster[] = [];
    if (!sel.empty) {
      const reqs = requirementsOf(selector).filter((r) => narrows(r));
      let best: readonly number[] | undefined = namespace === undefined ? undefined : (byNamespace.get(namespace) ?? NONE);
      let bestSize = best?.length ?? clusters.length;
      let bestReq: Requirement | undefined;
      for (const r of reqs) {
        const n = sizeOf(r);
        if (n < bestSize) {
          bestSize = n;
          bestReq = r;
        }
      }
      if (bestReq) best = candidateLists([bestReq])[0]!();
      const check = sel;
      if (best === undefined) {
        found = clusters.filter((c) => check.matches(c.object.metadata.labels));
      } else {
        for (const i of best) {
          const c = clusters[i]!;
          if (namespace !== undefined && c.namespace !== namespace) continue;
          if (check.matches(c.object.metadata.labels)) found.push(c);
        }
      }
    }
    results.set(resultKey, found);
    return found;
  }

  const refs: ObjectRef[] = [];
  const refOf = (c: IndexedCluster): ObjectRef =>
    (refs[c.ordinal] ??= Object.freeze(clusterRef(c.object.apiVersion, c.namespace, c.name)));

  return { clusters, byKey: (key) => byKey.get(key), refOf, matchSelector };
}

function narrows(r: Requirement): boolean {
  return r.op === 'Equals' || r.op === 'In' || r.op === 'Exists' || r.op === 'Gt' || r.op === 'Lt';
}

/** Requirements of either selector form, only to narrow candidates; matching uses the compiled selector. */
function requirementsOf(selector: ClusterSelector): Requirement[] {
  if (typeof selector === 'string') return parseSelectorString(selector);
  const sel: LabelSelector = selector;
  const out: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, op: 'Equals', values: [v] }));
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') out.push({ key: e.key, op: 'In', values: e.values ?? [] });
    else if (e.operator === 'Exists') out.push({ key: e.key, op: 'Exists', values: [] });
  }
  return out;
}

/** Union of ascending ordinal lists, ascending. */
function union(lists: ReadonlyArray<readonly number[]>): number[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 1) return [...nonEmpty[0]!];
  const seen = new Set<number>();
  for (const l of nonEmpty) for (const i of l) seen.add(i);
  return [...seen].sort((a, b) => a - b);
}
