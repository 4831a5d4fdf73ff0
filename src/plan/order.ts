// The order helm runs a cycle's actions in: cluster by cluster in `namespace/name` key order,
// withdrawals first on each, then by profile id, then by release key. planReleases plans profile
// by profile in id order and hands each (profile, cluster) group here; a group is sorted by release
// key, and the groups are then only placed: a stable counting sort by (the cluster's rank in key
// order, withdrawal first). No action is compared with another across groups, which matters for
// the 780k actions of a 100k fleet's first cycle.
import type { ClusterIndex, IndexedCluster } from '../select/cluster-index.ts';
import type { PlannedAction } from './decide.ts';
import { sortByReleaseKey } from './desired.ts';

/**
 * Each indexed cluster's position in key order, by ordinal. The index sorts by (namespace, name),
 * which is the key order unless a namespace is a prefix of another followed by a character below
 * '/' (`a` and `a-b`): then the ranks differ from the ordinals.
 */
export function keyRanks(index: ClusterIndex): Uint32Array {
  const cs = index.clusters;
  const ordinals = cs.map((c) => c.ordinal).sort((a, b) => (cs[a]!.key < cs[b]!.key ? -1 : cs[a]!.key > cs[b]!.key ? 1 : 0));
  const ranks = new Uint32Array(cs.length);
  ordinals.forEach((ordinal, rank) => (ranks[ordinal] = rank));
  return ranks;
}

export class ActionOrder {
  /** Each group as added (sorted by release key), with the key-order rank of its cluster. */
  private readonly groups: PlannedAction[][] = [];
  private readonly ranks: number[] = [];
  private count = 0;

  /** `keyRanks`: keyRanks of the index the clusters come from. */
  constructor(private readonly keyRanks: Uint32Array) {}

  /** One profile's actions on cluster `c`, in any order; groups come in planning order (prerequisites first, else profile id). */
  add(c: IndexedCluster | undefined, group: PlannedAction[]): void {
    if (group.length === 0) return;
    // Helm only runs against clusters that answer, and those are in the index.
    if (c === undefined) throw new Error(`action planned on ${group[0]!.cluster}, a cluster outside the repository`);
    this.groups.push(sortByReleaseKey(group, releaseOf));
    this.ranks.push(this.keyRanks[c.ordinal]!);
    this.count += group.length;
  }

  /** Every action added, in execution order: by bucket (2·rank of its cluster for an uninstall, 2·rank + 1 otherwise), stably. */
  list(): PlannedAction[] {
    const { groups, ranks } = this;
    const bucket = (a: PlannedAction, g: number): number => 2 * ranks[g]! + (a.action === 'uninstall' ? 0 : 1);
    const starts = new Uint32Array(2 * this.keyRanks.length + 1);
    for (let g = 0; g < groups.length; g++) for (const a of groups[g]!) starts[bucket(a, g) + 1]!++;
    for (let b = 1; b < starts.length; b++) starts[b]! += starts[b - 1]!;
    const out = new Array<PlannedAction>(this.count);
    for (let g = 0; g < groups.length; g++) for (const a of groups[g]!) out[starts[bucket(a, g)]!++] = a;
    return out;
  }
}

const releaseOf = (a: PlannedAction): PlannedAction['release'] => a.release;
