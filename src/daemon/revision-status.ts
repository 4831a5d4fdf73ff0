// `status/gitset.yaml`: which revision of the manifests is in force, and, while the branch head
// does not validate, which revision failed and why. Identified by the inputs' content (tree of the
// manifests without the status folder), so gitset's own status commits never change it and a
// restart rewrites nothing.
import { parse as parseYaml } from 'yaml';
import type { BreakerStatus } from '../select/breaker.ts';
import { writeStatusYaml } from '../status/status-writer.ts';

export const REVISION_STATUS_FILE = 'gitset.yaml';
/** Diagnostics kept in the file: enough to act on, short enough to read in a diff. */
const MAX_RECORDED_ERRORS = 20;

export interface RevisionRecord {
  /** Commit the inputs were read at, when first seen. */
  revision: string;
  /** Content identity of the inputs (see PullResult.inputsId). */
  inputs: string;
}

export interface RevisionStatus {
  applied?: RevisionRecord;
  failed?: RevisionRecord & { errors: string[] };
  /** The mass-failure breaker; recorded once it has opened at least once. */
  breaker?: BreakerStatus;
  /** With several replicas: which shard writes this file (`2 of 3`). */
  shard?: string;
  /** With several replicas: when this shard last said it is alive (rewritten every `--shard-heartbeat`). RFC 3339. */
  heartbeat?: string;
  /** With several replicas: this shard's seal of its files and heartbeat (status/shard-seal.ts). */
  seal?: string;
  /** With several replicas: the other shards not heard from, and since when (what this shard waits for). */
  silentShards?: string[];
}

export function renderRevisionStatus(status: RevisionStatus): string {
  const doc: Record<string, unknown> = {
    apiVersion: 'gitset.dev/v1alpha1',
    kind: 'GitsetStatus',
  };
  if (status.applied) {
    doc.lastAppliedRevision = status.applied.revision;
    doc.lastAppliedInputs = status.applied.inputs;
  }
  if (status.failed) {
    doc.lastFailedRevision = status.failed.revision;
    doc.lastFailedInputs = status.failed.inputs;
    doc.errors = status.failed.errors.slice(0, MAX_RECORDED_ERRORS);
  }
  if (status.breaker?.since !== undefined) doc.breaker = { ...status.breaker };
  if (status.shard !== undefined) doc.shard = status.shard;
  if (status.heartbeat !== undefined) doc.heartbeat = status.heartbeat;
  if (status.seal !== undefined) doc.seal = status.seal;
  if (status.silentShards?.length) doc.silentShards = [...status.silentShards];
  return '# Written by gitset: the revision of the manifests in force, and the one that failed validation.\n' + writeStatusYaml(doc);
}

export function readRevisionStatus(text: string | undefined): RevisionStatus {
  if (!text) return {};
  let doc: Record<string, unknown>;
  try {
    const parsed: unknown = parseYaml(text);
    if (!parsed || typeof parsed !== 'object') return {};
    doc = parsed as Record<string, unknown>;
  } catch {
    return {};
  }
  const str = (k: string): string | undefined => (typeof doc[k] === 'string' ? (doc[k] as string) : undefined);
  const out: RevisionStatus = {};
  const ar = str('lastAppliedRevision');
  const ai = str('lastAppliedInputs');
  if (ar && ai) out.applied = { revision: ar, inputs: ai };
  const fr = str('lastFailedRevision');
  const fi = str('lastFailedInputs');
  if (fr && fi) {
    const errors = Array.isArray(doc.errors) ? doc.errors.filter((e): e is string => typeof e === 'string') : [];
    out.failed = { revision: fr, inputs: fi, errors };
  }
  const heartbeat = str('heartbeat');
  if (heartbeat) out.heartbeat = heartbeat;
  const seal = str('seal');
  if (seal) out.seal = seal;
  const b = doc.breaker;
  if (b && typeof b === 'object' && !Array.isArray(b)) {
    const r = b as Record<string, unknown>;
    if (r.state === 'open' || r.state === 'closed') {
      out.breaker = { state: r.state };
      if (typeof r.since === 'string') out.breaker.since = r.since;
      if (typeof r.reason === 'string') out.breaker.reason = r.reason;
    }
  }
  return out;
}

/** Next record after a pull: a revision is recorded only when the inputs' content is new. */
export function nextRevisionStatus(
  prev: RevisionStatus,
  pulled: { revision: string; inputs: string },
  errors: readonly string[] | undefined,
): RevisionStatus {
  const breaker = prev.breaker ? { breaker: prev.breaker } : {};
  if (errors && errors.length > 0) {
    const sameFailure = prev.failed?.inputs === pulled.inputs;
    return {
      applied: prev.applied,
      failed: sameFailure && prev.failed ? prev.failed : { revision: pulled.revision, inputs: pulled.inputs, errors: [...errors] },
      ...breaker,
    };
  }
  const applied = prev.applied?.inputs === pulled.inputs ? prev.applied : { revision: pulled.revision, inputs: pulled.inputs };
  return { applied, ...breaker };
}
