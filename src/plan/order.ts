// The order helm runs a cycle's actions in: cluster by cluster, withdrawals first on each, then by
// profile id, then by release key; the order of the key `cluster NUL 0|1 NUL profile NUL
// namespace/name`. planReleases plans profile by profile in id order, so it hands each
// (profile, cluster) group here, sorts it by release key, and the groups then only have to be
// placed: a stable counting sort by (the cluster's position in the index, withdrawal first). No
// action is compared with another across groups, which matters for the 780k actions of a 100k
// fleet's first cycle.
import type { ClusterKey } from '../model/objects.ts';
import type { ClusterIndex, IndexedCluster } from '../select/cluster-index.ts';
import type { PlannedAction } from './decide.ts';
import { compareReleaseKeys } from './desired.ts';

export class ActionOrder {
  /** Actions as added (the first `count`), and the bucket of each: 2·ordinal for that cluster's uninstalls, 2·ordinal + 1 the rest. */
  private added: PlannedAction[];
  private bucketOf: Int32Array;
  private count = 0;
  private readonly buckets: number;
  /** Set when an action cannot be placed (index not in key order, or a cluster outside it). */
  private unplaced: boolean;

  /** `expected`: about how many actions will come (a first cycle's are its desired releases); grows past it. */
  constructor(index: ClusterIndex, expected = 0) {
    this.buckets = 2 * index.clusters.length;
    this.unplaced = !keyOrdered(index);
    const size = Math.max(16, expected);
    this.added = new Array(size);
    this.bucketOf = new Int32Array(size);
  }

  /** How many actions were added: where the next group starts (see place). */
  get size(): number {
    return this.count;
  }

  /** One action of the group being planned; place() puts the group where it belongs. */
  push(a: PlannedAction): void {
    if (this.count === this.bucketOf.length) this.grow(this.count + 1);
    this.added[this.count++] = a;
  }

  /**
   * The actions pushed since `from` are one profile's on cluster `c` (undefined: not in the
   * index), in any order. Groups must come in profile id order.
   */
  place(c: IndexedCluster | undefined, from: number): void {
    if (from === this.count) return;
    if (c === undefined) {
      this.unplaced = true;
      return;
    }
    const added = this.added;
    insertionSort(added, from, this.count, byRelease);
    for (let i = from; i < this.count; i++) this.bucketOf[i] = 2 * c.ordinal + (added[i]!.action === 'uninstall' ? 0 : 1);
  }

  private grow(needed: number): void {
    const size = Math.max(needed, 2 * this.bucketOf.length);
    const bucketOf = new Int32Array(size);
    bucketOf.set(this.bucketOf);
    this.bucketOf = bucketOf;
    this.added.length = size;
  }

  /** Every action added, in execution order: a stable counting sort by bucket (no small arrays per cluster). */
  list(): PlannedAction[] {
    const n = this.count;
    const added = this.added;
    if (this.unplaced) return sortByKeys(added.slice(0, n));
    const starts = new Uint32Array(this.buckets + 1);
    const bucketOf = this.bucketOf;
    for (let i = 0; i < n; i++) starts[bucketOf[i]! + 1]!++;
    for (let b = 0; b < this.buckets; b++) starts[b + 1]! += starts[b]!;
    const out = new Array<PlannedAction>(n);
    for (let i = 0; i < n; i++) out[starts[bucketOf[i]!]!++] = added[i]!;
    return out;
  }
}

/**
 * Sorts in place; insertion sort for the few entries of one cluster's group (two charts, mostly),
 * where Array.prototype.sort's set-up costs more than the comparisons.
 */
export function sortSmall<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  if (list.length > 16) return list.sort(compare);
  insertionSort(list, 0, list.length, compare);
  return list;
}

/** Stable in-place insertion sort of list[from..to). */
function insertionSort<T>(list: T[], from: number, to: number, compare: (a: T, b: T) => number): void {
  for (let i = from + 1; i < to; i++) {
    const x = list[i]!;
    let j = i - 1;
    while (j >= from && compare(list[j]!, x) > 0) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = x;
  }
}

const byRelease = (a: PlannedAction, b: PlannedAction): number => compareReleaseKeys(a.release, b.release);

// Whether the index's (namespace, name) order is also the order of the key strings (it is unless
// a namespace is a prefix of another followed by a character below '/'); checked once per index.
const keyOrder = new WeakMap<ClusterIndex, boolean>();

function keyOrdered(index: ClusterIndex): boolean {
  let ok = keyOrder.get(index);
  if (ok === undefined) {
    ok = true;
    const cs = index.clusters;
    for (let i = 1; i < cs.length && ok; i++) if (!(cs[i - 1]!.key < cs[i]!.key)) ok = false;
    keyOrder.set(index, ok);
  }
  return ok;
}

/** The same order by comparing: for fleets whose index order is not the key order. */
function sortByKeys(actions: readonly PlannedAction[]): PlannedAction[] {
  const byCluster = new Map<ClusterKey, PlannedAction[]>();
  for (const a of actions) {
    const list = byCluster.get(a.cluster);
    if (list) list.push(a);
    else byCluster.set(a.cluster, [a]);
  }
  const out: PlannedAction[] = [];
  for (const cluster of [...byCluster.keys()].sort()) {
    const list = byCluster.get(cluster)!;
    if (list.length > 1) list.sort(byActionOrder);
    for (const a of list) out.push(a);
  }
  return out;
}

function byActionOrder(a: PlannedAction, b: PlannedAction): number {
  const x = a.action === 'uninstall' ? 0 : 1;
  const y = b.action === 'uninstall' ? 0 : 1;
  if (x !== y) return x - y;
  if (a.profile !== b.profile) return a.profile < b.profile ? -1 : 1;
  return compareReleaseKeys(a.release, b.release);
}
