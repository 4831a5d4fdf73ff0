// Reads status files back into a snapshot: the "previous" of the next cycle, or what `gitset show`
// prints for any commit. Tolerant by design: files from older gitset versions, hand-edited or
// partial files lose only the fields that are missing or malformed, and unreadable files are
// reported as problems instead of stopping the daemon.
import { parse } from 'yaml';
import type { ObjectMeta, ObjectRef, ProfileKind, SetKind } from '../model/objects.ts';
import type {
  ClusterStatus,
  NotSelected,
  NotSelectedReason,
  ProfileClusterStatus,
  ProfileStatus,
  ReleaseState,
  RolloutStatus,
  ReleaseStatus,
  SetStatus,
} from '../model/status.ts';
import { certify, type CertifiedFile } from './certified.ts';
import { readStatusYaml } from './status-reader.ts';
import { isObject, list, str, type Json } from './tolerant.ts';
import { readSetPolicyStatus } from './read-failovers.ts';
import { readPromotionStatus } from './read-promotions.ts';
import { withReadPolicies } from './read-policies.ts';
import { emptySnapshot, type StatusProblem, type StatusSnapshot } from './snapshot.ts';
import { mergeProfileParts, SHARDS_FOLDER, type ProfilePart } from './shards.ts';

export interface StatusFile {
  path: string;
  text: string;
}

/** `certified` collects the files whose text is exactly what rendering their document writes (see certified.ts). */
export function readStatusFiles(files: readonly StatusFile[], certified?: Map<string, CertifiedFile>): StatusSnapshot {
  const snapshot = emptySnapshot();
  const problems: StatusProblem[] = [];
  const parts: ProfilePart[] = [];
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (!/\.ya?ml$/.test(file.path)) continue;
    const read = readDocument(file.text, (c) => certified?.set(file.path, c));
    // status/gitset.yaml (the daemon's revision record) sits beside the object files.
    if (read === undefined) continue;
    const problem = typeof read === 'string' ? read : addEntry(snapshot, parts, file.path, read);
    if (problem !== undefined) problems.push({ path: file.path, message: problem });
  }
  mergeProfileParts(snapshot, parts);
  if (problems.length > 0) snapshot.problems = problems;
  return snapshot;
}

interface StatusDocument {
  doc: Record<string, unknown>;
  meta: ObjectMeta;
}

/** A status document with its metadata; what is wrong with it; or undefined for gitset's own record. */
function readDocument(text: string, certified: (file: CertifiedFile) => void): StatusDocument | string | undefined {
  let doc: unknown;
  try {
    const fast = readStatusYaml(text);
    const file = fast && certify(text, fast);
    if (file) certified(file);
    doc = fast ? fast.doc : parse(text);
  } catch (err) {
    return `not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
  if (isObject(doc) && doc.kind === 'GitsetStatus') return undefined;
  if (!isObject(doc)) return 'not a status document (expected a mapping with kind and metadata)';
  const meta = readMeta(doc.metadata);
  return meta ? { doc, meta } : 'metadata.name is missing';
}

/** Puts one document's entry into the snapshot (another shard's profile records into `parts`); what is wrong, if anything. */
function addEntry(snapshot: StatusSnapshot, parts: ProfilePart[], path: string, { doc, meta }: StatusDocument): string | undefined {
  const apiVersion = str(doc.apiVersion) ?? '';
  const spec = isObject(doc.spec) ? doc.spec : {};
  const status = isObject(doc.status) ? doc.status : {};
  switch (doc.kind) {
    case 'SveltosCluster':
      snapshot.clusters.set(`${meta.namespace ?? ''}/${meta.name}`, { object: { apiVersion, kind: 'SveltosCluster', metadata: meta, spec }, status: readClusterStatus(status) });
      return undefined;
    case 'ClusterSet':
    case 'Set': {
      const kind = doc.kind as SetKind;
      snapshot.sets.set(id(kind, meta), { object: { apiVersion, kind, metadata: meta, spec }, status: readSetStatus(status) });
      return undefined;
    }
    case 'ClusterProfile':
    case 'Profile': {
      const kind = doc.kind as ProfileKind;
      const entry = { object: { apiVersion, kind, metadata: meta, spec }, status: readProfileStatus(status) };
      // Another shard's records of its clusters in this profile: merged in once all files are read.
      if (path.startsWith(`${SHARDS_FOLDER}/`)) parts.push({ id: id(kind, meta), entry });
      else snapshot.profiles.set(id(kind, meta), entry);
      return undefined;
    }
    case 'ClusterPromotion': {
      const read = readPromotionStatus(doc.status);
      if (!read) return 'ClusterPromotion status without contentHash and stages: not read';
      (snapshot.promotions ??= new Map()).set(id('ClusterPromotion', meta), { object: { apiVersion, kind: 'ClusterPromotion', metadata: meta, spec }, status: read });
      return undefined;
    }
    default:
      return `kind ${JSON.stringify(doc.kind)} has no status gitset reads`;
  }
}

/** One status file read alone: the object it reports on, or why it could not be read (neither: gitset's own record). */
export interface StatusFileObject {
  path: string;
  object?: { kind: string; metadata: ObjectMeta; status: object };
  problem?: string;
}

/** Each file read on its own, so every object and every problem keeps the path it came from. */
export function statusFileObjects(files: readonly StatusFile[]): StatusFileObject[] {
  return files.map((file) => {
    const s = readStatusFiles([file]);
    const problem = s.problems?.[0]?.message;
    if (problem !== undefined) return { path: file.path, problem };
    const entry = [...s.clusters.values(), ...s.sets.values(), ...s.profiles.values(), ...(s.promotions?.values() ?? [])][0];
    return entry ? { path: file.path, object: { kind: entry.object.kind, metadata: entry.object.metadata, status: entry.status } } : { path: file.path };
  });
}

function id(kind: string, meta: ObjectMeta): string {
  return meta.namespace ? `${kind}/${meta.namespace}/${meta.name}` : `${kind}/${meta.name}`;
}

function readMeta(v: unknown): ObjectMeta | undefined {
  if (!isObject(v) || typeof v.name !== 'string' || v.name === '') return undefined;
  const meta: ObjectMeta = { name: v.name };
  if (typeof v.namespace === 'string' && v.namespace !== '') meta.namespace = v.namespace;
  const labels = strMap(v.labels);
  if (labels) meta.labels = labels;
  const annotations = strMap(v.annotations);
  if (annotations) meta.annotations = annotations;
  return meta;
}

function readClusterStatus(s: Json): ClusterStatus {
  const out: ClusterStatus = { ready: typeof s.ready === 'boolean' ? s.ready : true };
  set(out, 'version', str(s.version));
  if (s.connectionStatus === 'Healthy' || s.connectionStatus === 'Down') out.connectionStatus = s.connectionStatus;
  set(out, 'connectionFailures', int(s.connectionFailures));
  set(out, 'failureMessage', str(s.failureMessage));
  set(out, 'lastTransitionTime', str(s.lastTransitionTime));
  set(out, 'firstFailureTime', str(s.firstFailureTime));
  return out;
}

const REASONS: readonly NotSelectedReason[] = ['not-ready', 'paused', 'other-namespace', 'over-cap', 'not-matching', 'cordoned'];

function readSetStatus(s: Json): SetStatus {
  const out: SetStatus = { matchingClusterRefs: refs(s.matchingClusterRefs), selectedClusterRefs: refs(s.selectedClusterRefs) };
  const notSelected = list(s.notSelected).flatMap((n): NotSelected[] =>
    isObject(n) && typeof n.cluster === 'string' && REASONS.includes(n.reason as NotSelectedReason)
      ? [{ cluster: n.cluster, reason: n.reason as NotSelectedReason, message: str(n.message) ?? String(n.reason) }]
      : [],
  );
  if (notSelected.length > 0) out.notSelected = notSelected;
  set(out, 'message', str(s.message));
  const stale = list(s.staleHealth).filter((x): x is string => typeof x === 'string');
  if (stale.length > 0) out.staleHealth = stale;
  readSetPolicyStatus(s, out);
  return out;
}

const STATES: readonly ReleaseState[] = ['Deployed', 'Failed', 'Pending', 'Uninstalled', 'DryRun', 'Conflict'];

function readProfileStatus(s: Json): ProfileStatus {
  const out: ProfileStatus = { matchingClusters: refs(s.matchingClusters) };
  const clusters = list(s.clusters).flatMap((c): ProfileClusterStatus[] =>
    isObject(c) && typeof c.cluster === 'string' ? [withReadPolicies({ cluster: c.cluster, releases: list(c.releases).flatMap(readRelease) }, c.policies)] : [],
  );
  if (clusters.length > 0) out.clusters = clusters;
  for (const field of ['conflicts', 'unsupported', 'errors'] as const) {
    const xs = list(s[field]).filter((x): x is string => typeof x === 'string');
    if (xs.length > 0) out[field] = xs;
  }
  set(out, 'paused', str(s.paused));
  const rollout = readRollout(s.rollout);
  if (rollout) out.rollout = rollout;
  return out;
}

/** A rollout as committed (what the next commit message compares with); a malformed one is none. */
function readRollout(r: unknown): RolloutStatus | undefined {
  if (!isObject(r)) return undefined;
  const maxUpdate = int(r.maxUpdate);
  if (maxUpdate === undefined) return undefined;
  const keys = (x: unknown) => list(x).filter((k): k is string => typeof k === 'string');
  const out: RolloutStatus = { maxUpdate, updating: keys(r.updating), waiting: keys(r.waiting) };
  const wave = keys(r.wave);
  if (wave.length > 0) out.wave = wave;
  set(out, 'halted', str(r.halted));
  return out;
}

function readRelease(r: unknown): ReleaseStatus[] {
  if (!isObject(r) || typeof r.releaseName !== 'string' || typeof r.releaseNamespace !== 'string') return [];
  const hash = str(r.hash);
  const state = STATES.includes(r.state as ReleaseState) ? (r.state as ReleaseState) : hash ? 'Deployed' : 'Pending';
  const out: ReleaseStatus = {
    releaseNamespace: r.releaseNamespace,
    releaseName: r.releaseName,
    chart: str(r.chart) ?? '',
    chartVersion: str(r.chartVersion) ?? '',
    state,
  };
  set(out, 'hash', hash);
  set(out, 'revision', int(r.revision));
  set(out, 'lastError', str(r.lastError));
  set(out, 'lastAppliedTime', str(r.lastAppliedTime));
  set(out, 'failures', int(r.failures));
  set(out, 'lastAttemptTime', str(r.lastAttemptTime));
  set(out, 'attemptedHash', str(r.attemptedHash));
  set(out, 'reason', str(r.reason));
  const health = str(r.health);
  if (health === 'Healthy' || health === 'Progressing' || health === 'Degraded' || health === 'Unknown') out.health = health;
  set(out, 'healthMessage', str(r.healthMessage));
  set(out, 'evidence', str(r.evidence));
  return [out];
}

function refs(v: unknown): ObjectRef[] {
  return list(v).flatMap((r): ObjectRef[] => {
    if (!isObject(r) || typeof r.name !== 'string') return [];
    const ref: ObjectRef = { kind: str(r.kind) ?? 'SveltosCluster', name: r.name };
    if (typeof r.apiVersion === 'string') ref.apiVersion = r.apiVersion;
    if (typeof r.namespace === 'string') ref.namespace = r.namespace;
    return [ref];
  });
}

function set<T extends object, K extends keyof T>(o: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) o[key] = value;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function strMap(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  return Object.keys(out).length > 0 ? out : undefined;
}
