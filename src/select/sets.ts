// Set selection: which of the clusters a ClusterSet/Set matches it selects, capped at maxReplicas,
// sticky across cycles. A cluster is considered when the selector or clusterRefs name it; then a
// short list of named checks (Pepr's filter style) each return null or why it cannot be chosen.
// Sveltos' set_utils.go in spirit, minus its cap-shrink defect (it keeps maxReplicas - 1).
import { SelectorSyntaxError } from './selector.ts';
import { indexClusters, type ClusterIndex, type IndexedCluster } from './cluster-index.ts';
import type { ClusterKey, ObjectMeta, ObjectRef, SetKind, SetSpec, SveltosCluster } from '../model/objects.ts';
import type { NotSelected, NotSelectedReason, SetStatus } from '../model/status.ts';
import { notReadyDetail } from '../status/cluster-health.ts';
import { refKey } from '../status/snapshot.ts';
import { healthOf, type HealthMap } from './health.ts';

export { FleetHealth, healthOf, type HealthMap } from './health.ts';

export interface SetLike {
  apiVersion: string;
  kind: SetKind;
  metadata: ObjectMeta;
  spec: SetSpec;
}

export interface Verdict {
  reason: NotSelectedReason;
  message: string;
}

export interface Context {
  /** A Set's own namespace; undefined for a ClusterSet, which reaches every namespace. */
  namespace: string | undefined;
  health: HealthMap;
  /** Clusters never newly selected, with the reason to show (failover-policy.ts). */
  cordons?: ReadonlyMap<ClusterKey, string>;
  /** Not-ready clusters the set keeps on purpose (failover grace or budget): they count as ready. */
  keptNotReady?: ReadonlySet<ClusterKey>;
  /** The set's selection before this cycle: a paused cluster keeps its place there (SPEC: paused freezes in place). */
  selectedBefore?: ReadonlySet<ClusterKey>;
}

type Check = (c: IndexedCluster, ctx: Context) => Verdict | null;

const isCordoned: Check = (c, ctx) => {
  const why = ctx.cordons?.get(c.key);
  return why !== undefined ? { reason: 'cordoned', message: `cordoned: ${why}` } : null;
};

const PAUSED: Verdict = { reason: 'paused', message: 'paused (spec.paused: true): keeps its place only while selected' };

const isPaused: Check = (c, ctx) => (c.paused && !ctx.selectedBefore?.has(c.key) ? PAUSED : null);

const outsideNamespace: Check = (c, ctx) =>
  ctx.namespace !== undefined && c.namespace !== ctx.namespace
    ? { reason: 'other-namespace', message: `in namespace ${c.namespace}; a Set only selects clusters of ${ctx.namespace}` }
    : null;

const notReady: Check = (c, ctx) => {
  const h = healthOf(ctx.health, c);
  return h !== undefined && !h.ready && !ctx.keptNotReady?.has(c.key) ? { reason: 'not-ready', message: `not ready (${notReadyDetail(h)})` } : null;
};

/** In order: the first check that objects explains the cluster. Exported for `gitset plan` docs and tests. */
export const selectionChecks: ReadonlyArray<readonly [NotSelectedReason, Check]> = [
  ['cordoned', isCordoned],
  ['other-namespace', outsideNamespace],
  ['not-ready', notReady],
  // Last: whether a paused cluster may stay depends on the selection, which the checks before it shape.
  ['paused', isPaused],
];

/** Why the set cannot choose `c`, or null when it can. */
export function whyNotEligible(c: IndexedCluster, ctx: Context): Verdict | null {
  for (const named of selectionChecks) {
    const v = named[1](c, ctx); // not `for (const [, check] of …)`: a destructuring per check, 540k a 10k cycle
    if (v) return v;
  }
  return null;
}

/** What failover-policy.ts adds to a plain selection. */
export type Policy = Pick<Context, 'cordons' | 'keptNotReady' | 'selectedBefore'>;

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
  policy: Policy = {},
): SetStatus {
  const index = Array.isArray(fleet) ? indexClusters(fleet) : (fleet as ClusterIndex);
  const ctx: Context = {
    namespace: set.kind === 'Set' ? (set.metadata.namespace ?? '') : undefined,
    health,
    selectedBefore: new Set((previous?.selectedClusterRefs ?? []).map(refKey)),
    ...policy,
  };
  const problems: string[] = [];
  const considered = consider(set, index, ctx.namespace, problems);
  const verdicts = considered.map((c) => whyNotEligible(c, ctx));
  const cap = capOf(set.spec.maxReplicas);
  const before = (previous?.selectedClusterRefs ?? []).map((r) => index.byKey(refKey(r)));
  const selected = choose(considered, verdicts, before, cap);
  const overCap: Verdict = { reason: 'over-cap', message: `over cap (maxReplicas ${cap})` };
  // Sized up front and trimmed after (135k entries over 1k sets a 10k cycle): no copies while they grow.
  const notSelected = new Array<NotSelected>(considered.length - selected.size);
  const matchingRefs = new Array<ObjectRef>(considered.length);
  let n = 0;
  let m = 0;
  for (let i = 0; i < considered.length; i++) {
    const c = considered[i]!;
    const chosen = selected.has(c);
    if (verdicts[i] === null && (chosen || !c.paused)) matchingRefs[m++] = index.refOf(c);
    if (chosen) continue;
    // A paused cluster the cap leaves out cannot come back while paused: said the same way next cycle.
    const { reason, message } = verdicts[i] ?? (c.paused ? PAUSED : overCap);
    notSelected[n++] = { cluster: c.key, reason, message };
  }
  notSelected.length = n;
  matchingRefs.length = m;
  const status: SetStatus = { matchingClusterRefs: matchingRefs, selectedClusterRefs: [...selected].map(index.refOf) };
  if (notSelected.length > 0) status.notSelected = notSelected;
  const message = explain(cap, selected.size, considered.length, notSelected, problems);
  if (message) status.message = message;
  return status;
}

/**
 * Sticky and capped: the clusters selected before that still match (considered, without a
 * verdict), longest-selected first, then the shortfall from the matching ones in their order.
 * A set keeps its insertion order.
 */
function choose(considered: readonly IndexedCluster[], verdicts: ReadonlyArray<Verdict | null>, before: ReadonlyArray<IndexedCluster | undefined>, cap: number): Set<IndexedCluster> {
  const chosen = new Set<IndexedCluster>();
  for (const c of before) if (chosen.size < cap && c && verdicts[indexOf(considered, c)] === null) chosen.add(c);
  for (let i = 0; i < considered.length && chosen.size < cap; i++) if (verdicts[i] === null) chosen.add(considered[i]!);
  return chosen;
}

/** Where `c` is in `list`, which is in ordinal order (a binary search), or -1. */
function indexOf(list: readonly IndexedCluster[], c: IndexedCluster): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const o = list[mid]!.ordinal;
    if (o === c.ordinal) return mid;
    if (o < c.ordinal) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** maxReplicas as a count: 0 when absent, not a positive number (Sveltos: selects nothing). */
export function capOf(maxReplicas: unknown): number {
  return typeof maxReplicas === 'number' && Number.isFinite(maxReplicas) && maxReplicas > 0 ? Math.floor(maxReplicas) : 0;
}

/** The clusters the selector or clusterRefs name, once each, in selection order. */
function consider(set: SetLike, index: ClusterIndex, namespace: string | undefined, problems: string[]): readonly IndexedCluster[] {
  let bySelector: readonly IndexedCluster[] = [];
  try {
    bySelector = index.matchSelector(set.spec.clusterSelector, namespace);
  } catch (err) {
    if (!(err instanceof SelectorSyntaxError)) throw err;
    problems.push(`clusterSelector is invalid: ${err.message}`);
  }
  const refList = Array.isArray(set.spec.clusterRefs) ? set.spec.clusterRefs : [];
  if (refList.length === 0) return bySelector;
  const found = new Set(bySelector);
  for (const ref of refList) {
    if (!ref || typeof ref.name !== 'string') continue;
    const key = `${ref.namespace ?? namespace ?? ''}/${ref.name}`;
    const c = index.byKey(key);
    if (c) found.add(c);
    else problems.push(`clusterRefs names ${key}, which is not in the repository`);
  }
  return [...found].sort((a, b) => a.ordinal - b.ordinal);
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
