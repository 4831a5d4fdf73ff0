// Checks that need the whole repository: duplicates, and references to sets and clusters that
// must exist (in the right namespace). Pure: takes the parsed objects, returns diagnostics.
import type { Diagnostic, DiagnosticCode } from '../model/diagnostics.ts';
import { parsePin, PIN } from './annotations.ts';
import {
  clusterKey,
  objectId,
  type ClusterSetObject,
  type GitsetObject,
  type ProfileObject,
  type SourcePos,
  type SveltosCluster,
} from '../model/objects.ts';

export interface CrossCheckInput {
  clusters: readonly SveltosCluster[];
  sets: readonly ClusterSetObject[];
  profiles: readonly ProfileObject[];
}

const where = (p: SourcePos): string => `${p.file}:${p.line}:${p.col}`;

function fieldPos(obj: GitsetObject, field: string): SourcePos {
  return obj.fieldSources?.[field] ?? obj.source;
}

function diag(obj: GitsetObject, code: DiagnosticCode, field: string, message: string): Diagnostic {
  return { ...fieldPos(obj, field), severity: 'error', code, message: `${objectId(obj)}: ${message}`, field, object: objectId(obj) };
}

/**
 * Objects defined more than once (same kind, namespace and name, any apiVersion): one error at
 * every place, naming the others. Returns the ids concerned so the caller can leave them out.
 */
export function findDuplicates(objects: readonly GitsetObject[]): { diagnostics: Diagnostic[]; ids: Set<string> } {
  const byId = new Map<string, GitsetObject[]>();
  for (const obj of objects) {
    const id = objectId(obj);
    const list = byId.get(id);
    if (list) list.push(obj);
    else byId.set(id, [obj]);
  }
  const diagnostics: Diagnostic[] = [];
  const ids = new Set<string>();
  for (const [id, list] of byId) {
    if (list.length < 2) continue;
    ids.add(id);
    for (const obj of list) {
      const here = fieldPos(obj, 'metadata.name');
      const others = list.filter((o) => o !== obj).map((o) => where(fieldPos(o, 'metadata.name')));
      diagnostics.push({
        ...here,
        severity: 'error',
        code: 'duplicate-object',
        message: `${id} is defined ${list.length} times: here (${where(here)}) and at ${others.join(', ')}; none is used until only one remains`,
        field: 'metadata.name',
        object: id,
      });
    }
  }
  return { diagnostics, ids };
}

/** What references are checked against: cluster keys, set ids, and Sets by name (for hints). */
interface Known {
  clusters: ReadonlySet<string>;
  setIds: ReadonlySet<string>;
  setsByName: ReadonlyMap<string, string[]>;
}

/** Dangling and cross-namespace `setRefs` / `clusterRefs` of sets and profiles. */
export function crossCheck(repo: CrossCheckInput): Diagnostic[] {
  const setsByName = new Map<string, string[]>();
  for (const s of repo.sets) {
    if (s.kind !== 'Set') continue;
    const list = setsByName.get(s.metadata.name);
    if (list) list.push(objectId(s));
    else setsByName.set(s.metadata.name, [objectId(s)]);
  }
  const known: Known = {
    clusters: new Set(repo.clusters.map((c) => clusterKey(c.metadata))),
    setIds: new Set(repo.sets.map((s) => objectId(s))),
    setsByName,
  };
  const out: Diagnostic[] = [];
  for (const set of repo.sets) out.push(...clusterRefProblems(set, known), ...pinProblems(set, known));
  for (const profile of repo.profiles) out.push(...clusterRefProblems(profile, known), ...setRefProblems(profile, known));
  return out;
}

function clusterRefProblems(obj: ClusterSetObject | ProfileObject, known: Known): Diagnostic[] {
  const ownNs = obj.metadata.namespace; // undefined for the cluster-wide kinds
  const out: Diagnostic[] = [];
  (obj.spec.clusterRefs ?? []).forEach((ref, i) => {
    const field = `spec.clusterRefs[${i}]`;
    if (!ref.name) {
      out.push(diag(obj, 'dangling-cluster-ref', field, `${field} has no name`));
      return;
    }
    if (ref.kind && ref.kind !== 'SveltosCluster') {
      out.push(diag(obj, 'dangling-cluster-ref', field, `${field} refers to a ${ref.kind}; gitset only knows SveltosCluster`));
      return;
    }
    // A ref without namespace means the object's own namespace (kubectl's `default` for cluster-wide kinds).
    const ns = ref.namespace || ownNs || 'default';
    if (ownNs !== undefined && ns !== ownNs) {
      out.push(diag(obj, 'cross-namespace-ref', field, `${field} refers to SveltosCluster ${ns}/${ref.name} in another namespace; a ${obj.kind} only reaches clusters of its own namespace (${ownNs})`));
      return;
    }
    if (!known.clusters.has(clusterKey({ namespace: ns, name: ref.name }))) {
      out.push(diag(obj, 'dangling-cluster-ref', field, `${field}: no SveltosCluster ${ns}/${ref.name} in the repository`));
    }
  });
  return out;
}

/** Clusters a set's pin annotation names that the repository does not define. */
function pinProblems(set: ClusterSetObject, known: Known): Diagnostic[] {
  const pin = set.metadata.annotations?.[PIN];
  if (pin === undefined) return [];
  const parsed = parsePin(pin, set.kind === 'Set' ? (set.metadata.namespace ?? 'default') : undefined);
  if (parsed.error) return []; // the loader already reported the value itself
  const field = `metadata.annotations.${PIN}`;
  return parsed.keys
    .filter((key) => !known.clusters.has(key))
    .map((key) => diag(set, 'bad-annotation', field, `annotation ${PIN} names ${key}: no SveltosCluster ${key} in the repository`));
}

function setRefProblems(profile: ProfileObject, known: Known): Diagnostic[] {
  const setKind = profile.kind === 'ClusterProfile' ? 'ClusterSet' : 'Set';
  const ownNs = profile.metadata.namespace;
  const out: Diagnostic[] = [];
  (profile.spec.setRefs ?? []).forEach((ref, i) => {
    const field = `spec.setRefs[${i}]`;
    // `ns/name` is not Sveltos syntax, but it is how someone would try to reach another namespace.
    const slash = ref.indexOf('/');
    if (slash >= 0) {
      const other = profile.kind === 'Profile' && ref.slice(0, slash) !== ownNs;
      const msg = other
        ? `${field} "${ref}" refers to a Set in another namespace; a Profile only reaches Sets of its own namespace (${ownNs})`
        : `${field} "${ref}" must be the plain name of a ${setKind}`;
      out.push(diag(profile, other ? 'cross-namespace-ref' : 'dangling-set-ref', field, msg));
      return;
    }
    if (known.setIds.has(objectId({ kind: setKind, metadata: { name: ref, namespace: ownNs } }))) return;
    // Sets of that name elsewhere: the likely intent, named in the message.
    const elsewhere = known.setsByName.get(ref) ?? [];
    const hint =
      elsewhere.length === 0
        ? ''
        : profile.kind === 'Profile'
          ? ` (${elsewhere.join(', ')} is in another namespace; a Profile only reaches Sets of its own namespace)`
          : ` (${elsewhere.join(', ')} is a Set; a ClusterProfile refers to ClusterSets)`;
    const code: DiagnosticCode = profile.kind === 'Profile' && elsewhere.length > 0 ? 'cross-namespace-ref' : 'dangling-set-ref';
    out.push(diag(profile, code, field, `${field}: no ${setKind} ${ownNs ? `${ownNs}/` : ''}${ref} in the repository${hint}`));
  });
  return out;
}
