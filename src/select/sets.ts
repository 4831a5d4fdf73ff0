// Set selection: which of the clusters a ClusterSet/Set matches it selects, capped at maxReplicas,
// sticky across cycles. A cluster is considered when the selector or clusterRefs name it; then a
// short list of named checks (Pepr's filter style) each return null or why it cannot be chosen.
// Sveltos' set_utils.go in spirit, minus its cap-shrink defect (it keeps maxReplicas - 1).
import { SelectorSyntaxError } from './selector.ts';
import { indexClusters, type ClusterIndex, type IndexedCluster } from './cluster-index.ts';
import type { ClusterKey, ObjectMeta, ObjectRef, SetKind, SetSpec, SveltosCluster } from '../model/objects.ts';
import type { ClusterStatus, NotSelected, NotSelectedReason, SetStatus } from '../model/status.ts';
import { notReadyDetail } from '../status/cluster-health.ts';
import { refKey } from '../status/snapshot.ts';

export interface SetLike {
  apiVersion: string;
  kind: SetKind;
  metadata: ObjectMeta;
  spec: SetSpec;
}

/** Only lookups: callers may pass an overlay over the fleet's health instead of a copy. */
export interface HealthMap {
  get(key: ClusterKey): ClusterStatus | undefined;
  /**
   * The same answer by the cluster's position in the index the caller selects over (see
   * FleetHealth): an array read instead of a hash lookup per cluster considered by every set.
   */
  at?(c: IndexedCluster): ClusterStatus | undefined;
}

/** A cluster's health: by index position when the map offers it, else by key. */
export function healthOf(health: HealthMap, c: IndexedCluster): ClusterStatus | undefined {
  return health.at ? health.at(c) : health.get(c.key);
}

/** A cycle's health of the whole fleet, kept in index order. Only valid with clusters of `index`. */
export class FleetHealth implements HealthMap {
  private readonly statuses: (ClusterStatus | undefined)[];
  /** 1 where the cluster has a status that says not ready: the column set selection reads. */
  readonly notReady: Uint8Array;
  constructor(readonly index: ClusterIndex) {
    this.statuses = new Array(index.clusters.length);
    this.notReady = new Uint8Array(index.clusters.length);
  }
  set(c: IndexedCluster, status: ClusterStatus): void {
    this.statuses[c.ordinal] = status;
    this.notReady[c.ordinal] = status.ready ? 0 : 1;
  }
  at(c: IndexedCluster): ClusterStatus | undefined {
    return this.atOrdinal(c.ordinal);
  }
  atOrdinal(o: number): ClusterStatus | undefined {
    return this.statuses[o];
  }
  get(key: ClusterKey): ClusterStatus | undefined {
    const c = this.index.byKey(key);
    return c === undefined ? undefined : this.statuses[c.ordinal];
  }
}

export interface Verdict {
  reason: NotSelectedReason;
  message: string;
}

export interface Context {
  /** A Set's own namespace; undefined for a ClusterSet, which reaches every namespace. */
  namespace: string | undefined;
  health: HealthMap;
}

/** `h` is the cluster's health (looked up once per cluster by the caller). */
type Check = (c: IndexedCluster, ctx: Context, h: ClusterStatus | undefined) => Verdict | null;

const isPaused: Check = (c) => (c.paused ? { reason: 'paused', message: 'paused (spec.paused: true)' } : null);

const outsideNamespace: Check = (c, ctx) =>
  ctx.namespace !== undefined && c.namespace !== ctx.namespace
    ? { reason: 'other-namespace', message: `in namespace ${c.namespace}; a Set only selects clusters of ${ctx.namespace}` }
    : null;

const notReady: Check = (_c, _ctx, h) => {
  return h !== undefined && !h.ready ? { reason: 'not-ready', message: `not ready (${notReadyDetail(h)})` } : null;
};

/** In order: the first check that objects explains the cluster. Exported for `gitset plan` docs and tests. */
export const selectionChecks: ReadonlyArray<readonly [string, Check]> = [
  ['paused', isPaused],
  ['other-namespace', outsideNamespace],
  ['not-ready', notReady],
];

/**
 * True exactly when every selection check passes (whyNotEligible gives null) for the cluster at
 * ordinal `o`, read off the index's columns instead of calling them: the common case of a healthy
 * cluster, asked about 135k times in a 10k fleet's first cycle. `namespace` is the Set's
 * namespace number (index.namespaceNumber), undefined for a ClusterSet; `notReady` the fleet's
 * column when there is one, else `h` decides. A new check must be added here too; a property
 * test holds the two together.
 */
export function plainlyEligible(
  index: ClusterIndex,
  o: number,
  namespace: number | undefined,
  h: ClusterStatus | undefined,
  notReady?: Uint8Array,
): boolean {
  return (
    index.paused[o] === 0 &&
    (namespace === undefined || index.namespaces[o] === namespace) &&
    (notReady !== undefined ? notReady[o] === 0 : h === undefined || h.ready)
  );
}

export function whyNotEligible(c: IndexedCluster, ctx: Context, h: ClusterStatus | undefined = ctx.health.get(c.key)): Verdict | null {
  for (const [, check] of selectionChecks) {
    const v = check(c, ctx, h);
    if (v) return v;
  }
  return null;
}

/**
 * Selects up to `spec.maxReplicas` clusters. `previous` is the set's last committed status: its
 * selectedClusterRefs (longest-selected first) are kept while they still match, and only the
 * shortfall is filled, in (namespace, name) order. The result lists the selection in the same
 * longest-first order, so feeding it back changes nothing.
 */
export function selectClusters(
  set: SetLike,
  fleet: ClusterIndex | readonly SveltosCluster[],
  health: HealthMap,
  previous: SetStatus | undefined,
): SetStatus {
  const index = isIndex(fleet) ? fleet : indexClusters(fleet);
  const ctx: Context = { namespace: set.kind === 'Set' ? (set.metadata.namespace ?? '') : undefined, health };
  const problems: string[] = [];
  // Ordinals, ascending: the walk below reads the index's columns, not one object per cluster.
  const considered = consider(set, index, ctx, problems);
  const n = considered.length;
  const fleetHealth = health instanceof FleetHealth && health.index === index ? health : undefined;
  const seenHealth: (ClusterStatus | undefined)[] = new Array(n);
  if (fleetHealth) for (let i = 0; i < n; i++) seenHealth[i] = fleetHealth.atOrdinal(considered[i]!);
  else for (let i = 0; i < n; i++) seenHealth[i] = healthOf(health, index.clusters[considered[i]!]!);
  const last = remembered.get(set);
  if (last && last.index === index && sameObjects(last.health, seenHealth) && sameRefs(last.previous, previous?.selectedClusterRefs ?? NO_REFS)) {
    return last.status;
  }
  // Verdicts by position in `considered` (most clusters have none); chosen likewise.
  const verdicts: (Verdict | undefined)[] = new Array(n);
  const namespace = ctx.namespace === undefined ? undefined : index.namespaceNumber(ctx.namespace);
  const notReady = fleetHealth?.notReady;
  let eligible = 0;
  for (let i = 0; i < n; i++) {
    const o = considered[i]!;
    if (plainlyEligible(index, o, namespace, seenHealth[i], notReady)) {
      eligible++;
      continue;
    }
    const v = whyNotEligible(index.clusters[o]!, ctx, seenHealth[i]);
    if (v) verdicts[i] = v;
    else eligible++;
  }

  const cap = capOf(set.spec.maxReplicas);
  const selected: number[] = [];
  const chosen = chosenScratch(n);
  for (const ref of previous?.selectedClusterRefs ?? []) {
    if (selected.length >= cap) break;
    const c = index.byKey(refKey(ref));
    const at = c ? positionOf(considered, c.ordinal) : -1;
    if (at >= 0 && chosen[at] === 0 && verdicts[at] === undefined) {
      selected.push(c!.ordinal);
      chosen[at] = 1;
    }
  }
  // The shortfall, in selection order.
  for (let i = 0; i < n && selected.length < cap; i++) {
    if (verdicts[i] !== undefined || chosen[i] === 1) continue;
    selected.push(considered[i]!);
    chosen[i] = 1;
  }
  const overCap = overCapEntries(index, cap);
  const notSelected: NotSelected[] = new Array(n - selected.length);
  const matchingClusterRefs: ObjectRef[] = new Array(eligible);
  for (let i = 0, m = 0, k = 0; i < n; i++) {
    const o = considered[i]!;
    const v = verdicts[i];
    if (v === undefined) matchingClusterRefs[m++] = index.refAt(o);
    if (chosen[i] === 1) continue;
    notSelected[k++] = v
      ? { cluster: index.clusters[o]!.key, reason: v.reason, message: v.message }
      : (overCap.entries[o] ??= { cluster: index.clusters[o]!.key, reason: 'over-cap', message: overCap.message });
  }

  const selectedClusterRefs = new Array<ObjectRef>(selected.length);
  for (let i = 0; i < selected.length; i++) selectedClusterRefs[i] = index.refAt(selected[i]!);
  const status: SetStatus = { matchingClusterRefs, selectedClusterRefs };
  if (notSelected.length > 0) status.notSelected = notSelected;
  const message = explain(cap, selected.length, n, notSelected, problems);
  if (message) status.message = message;
  remembered.set(set, { index, health: seenHealth, previous: previous?.selectedClusterRefs ?? NO_REFS, status });
  return status;
}

// A quiet fleet asks every set the same question each cycle: the same loaded set over the same
// index (kept per loaded repository), the same health objects (an unchanged cluster keeps its
// status object) and the same previous selection. The answer is a function of exactly these, so
// it is kept per set object and handed out again; nobody mutates a returned status. At 10k
// clusters this skips ~130k notSelected entries and as many refs per cycle.
interface Remembered {
  index: ClusterIndex;
  health: readonly (ClusterStatus | undefined)[];
  previous: readonly ObjectRef[];
  status: SetStatus;
}
const remembered = new WeakMap<SetLike, Remembered>();
const NO_REFS: readonly ObjectRef[] = [];

// Which considered clusters a selection chose: one buffer for every call (selection never nests),
// not a typed array and its buffer outside the heap per set and cycle.
let chosenBuffer = new Uint8Array(1024);

function chosenScratch(n: number): Uint8Array {
  if (chosenBuffer.length < n) chosenBuffer = new Uint8Array(Math.max(n, 2 * chosenBuffer.length));
  chosenBuffer.fill(0, 0, n);
  return chosenBuffer;
}

// Most of what a set lists as not selected is over its cap, with the same entry for every set of
// that cap: 1.3M entries in the first cycle of a 100k fleet. One shared (never mutated) entry per
// cluster and cap, for as long as the index lives.
interface OverCap {
  message: string;
  /** By cluster ordinal. */
  entries: NotSelected[];
}
const overCapByIndex = new WeakMap<ClusterIndex, Map<number, OverCap>>();

function overCapEntries(index: ClusterIndex, cap: number): OverCap {
  let byCap = overCapByIndex.get(index);
  if (!byCap) {
    byCap = new Map();
    overCapByIndex.set(index, byCap);
  }
  let entries = byCap.get(cap);
  if (!entries) {
    entries = { message: `over cap (maxReplicas ${cap})`, entries: new Array(index.clusters.length) }; // sized: filled out of order
    byCap.set(cap, entries);
  }
  return entries;
}

function sameObjects<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Same clusters in the same order (refKey equality, without building the keys). */
function sameRefs(a: readonly ObjectRef[], b: readonly ObjectRef[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && ((x.namespace ?? '') !== (y.namespace ?? '') || x.name !== y.name)) return false;
  }
  return true;
}

function isIndex(x: ClusterIndex | readonly SveltosCluster[]): x is ClusterIndex {
  return !Array.isArray(x);
}

/** Where ordinal `o` is in `list` (ascending), or -1. */
function positionOf(list: ArrayLike<number>, o: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = list[mid]!;
    if (x === o) return mid;
    if (x < o) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function capOf(maxReplicas: unknown): number {
  return typeof maxReplicas === 'number' && Number.isFinite(maxReplicas) && maxReplicas > 0 ? Math.floor(maxReplicas) : 0;
}

const NO_ORDINALS: readonly number[] = [];

/** Ordinals of the clusters the selector or clusterRefs name, once each, in selection order. */
function consider(set: SetLike, index: ClusterIndex, ctx: Context, problems: string[]): readonly number[] {
  let bySelector = NO_ORDINALS;
  try {
    bySelector = index.matchOrdinals(set.spec.clusterSelector, ctx.namespace);
  } catch (err) {
    if (!(err instanceof SelectorSyntaxError)) throw err;
    problems.push(`clusterSelector is invalid: ${err.message}`);
  }
  const refList = Array.isArray(set.spec.clusterRefs) ? set.spec.clusterRefs : [];
  if (refList.length === 0) return bySelector; // already sorted and unique
  const found = new Set<number>(bySelector);
  for (const ref of refList) {
    if (!ref || typeof ref.name !== 'string') continue;
    const key = `${ref.namespace ?? ctx.namespace ?? ''}/${ref.name}`;
    const c = index.byKey(key);
    if (c) found.add(c.ordinal);
    else problems.push(`clusterRefs names ${key}, which is not in the repository`);
  }
  return [...found].sort((a, b) => a - b);
}

const MAX_LISTED = 5;

function explain(cap: number, selected: number, considered: number, notSelected: NotSelected[], problems: string[]): string | undefined {
  const parts = [...problems];
  if (cap === 0) {
    parts.push('maxReplicas is 0 or absent: the set selects no cluster');
  } else if (selected === 0 && considered === 0) {
    parts.push('no cluster matches clusterSelector or clusterRefs');
  } else if (selected === 0) {
    const listed = notSelected.slice(0, MAX_LISTED).map((n) => `${n.cluster} ${n.message}`);
    const more = notSelected.length > MAX_LISTED ? `, and ${notSelected.length - MAX_LISTED} more` : '';
    parts.push(`no healthy cluster left: ${listed.join(', ')}${more}`);
  } else if (selected < cap) {
    parts.push(`selected ${selected} of maxReplicas ${cap}: no other healthy matching cluster`);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}
