// Reads the `policies` records of a profile's status back (tolerantly: a record that does not
// parse is dropped, the clusters are the truth and the next cycle applies again).
import type { PolicyState, PolicyStatus, ProfileClusterStatus } from '../model/status.ts';
import { isObject, list, str } from './tolerant.ts';

const STATES: readonly PolicyState[] = ['Applied', 'Failed', 'Pending', 'Conflict', 'DryRun'];

export function withReadPolicies(pc: ProfileClusterStatus, raw: unknown): ProfileClusterStatus {
  const policies = list(raw).flatMap(readPolicy);
  return policies.length > 0 ? { ...pc, policies } : pc;
}

function readPolicy(r: unknown): PolicyStatus[] {
  if (!isObject(r) || typeof r.apiVersion !== 'string' || typeof r.kind !== 'string' || typeof r.name !== 'string') return [];
  const state = STATES.includes(r.state as PolicyState) ? (r.state as PolicyState) : 'Pending';
  const out: PolicyStatus = { apiVersion: r.apiVersion, kind: r.kind, name: r.name, state };
  for (const field of ['namespace', 'hash', 'source', 'lastAppliedTime', 'error'] as const) {
    const v = str(r[field]);
    if (v !== undefined) out[field] = v;
  }
  return [out];
}
