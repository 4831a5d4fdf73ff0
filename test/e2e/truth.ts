// Helpers of the "clusters are the truth" scenarios (truth-*.test.ts): the seed's release as the
// status and the clusters show it, whole cycles run on demand, and the history of a status file.
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import type { Daemon } from '../../src/daemon/daemon.ts';
import { gitCliEnv } from '../../src/sim/git-server.ts';
import { startFleet, waitFor, type Fleet } from './fleet.ts';

export const C1 = 'civo/cluster1';
export const C2 = 'civo/cluster2';
/** The seed's release: chart hello/hello as kyverno/kyverno-latest, its Deployment named after both. */
export const RELEASE = 'kyverno-latest';
export const RELEASE_NS = 'kyverno';
export const DEPLOYMENT = 'kyverno-latest-hello';
export const PROFILE_STATUS = 'ClusterProfile/kyverno.yaml';

export async function deployedOn(f: Fleet, cluster: string, name = RELEASE): Promise<boolean> {
  return (await f.releases(cluster)).some((r) => r.name === name && r.status === 'deployed');
}

/**
 * The release as helm lists it on a cluster, undefined when it is not there. Its install time
 * (`updated`) tells one install from the next: gitset may already be installing again when a
 * test looks right after removing a release.
 */
export async function listedOn(f: Fleet, cluster: string, name = RELEASE): Promise<{ revision: string; status: string; updated: string } | undefined> {
  return (await f.releases(cluster)).find((x) => x.name === name);
}

/** helm's revision of a release on a cluster, undefined when it is not there. */
export async function revisionOn(f: Fleet, cluster: string, name = RELEASE): Promise<number | undefined> {
  const r = (await f.releases(cluster)).find((x) => x.name === name);
  return r ? Number(r.revision) : undefined;
}

/** The seed release's record for a cluster in a ClusterProfile/kyverno status document. */
export function recordIn(profileStatus: any, cluster: string): any {
  const c = (profileStatus?.status?.clusters ?? []).find((x: { cluster: string }) => x.cluster === cluster);
  return (c?.releases ?? []).find((r: { releaseName: string }) => r.releaseName === RELEASE);
}

export async function record(f: Fleet, cluster: string): Promise<any> {
  return recordIn(await f.status(PROFILE_STATUS), cluster);
}

/**
 * Lets the running cycle (if any) end, then runs `n` whole cycles, each started after this call
 * and each pulling the branch first. Interval-triggered cycles may run in between.
 */
export async function cycles(daemon: Daemon, n: number): Promise<void> {
  await daemon.queue.idle();
  for (let i = 0; i < n; i++) {
    daemon.trigger('manual');
    await daemon.queue.idle();
  }
}

/** Subject and body of every commit on main, newest first. */
export async function messages(f: Fleet): Promise<string[]> {
  return (await f.log()).map((c) => `${c.subject}\n${c.body}`);
}

/** Every committed version of a status file (relative to status/) on main, newest first. */
export async function statusHistory(f: Fleet, path: string): Promise<any[]> {
  const env = gitCliEnv();
  const dir = await mkdtemp(join(f.sandbox.root, 'history-'));
  await execa('git', ['clone', '--quiet', f.sandbox.repoUrl, dir], { env });
  const oids = (await execa('git', ['log', '--format=%H', 'origin/main', '--', `status/${path}`], { cwd: dir, env })).stdout.split('\n').filter(Boolean);
  const out: any[] = [];
  for (const oid of oids) {
    const r = await execa('git', ['show', `${oid}:status/${path}`], { cwd: dir, env, reject: false });
    if (r.exitCode === 0) out.push(parse(r.stdout));
  }
  return out;
}

/** The evidence of every committed version of the seed release's record on a cluster, oldest first. */
export async function evidenceHistory(f: Fleet, cluster: string): Promise<string[]> {
  const versions = await statusHistory(f, PROFILE_STATUS);
  return versions.map((v) => recordIn(v, cluster)?.evidence).filter((e): e is string => typeof e === 'string').reverse();
}

/** The seed with its profile's spec extended by `extra` (YAML lines indented by two spaces). */
export function withProfileSpec(manifests: Record<string, string>, extra: string): Record<string, string> {
  const m = { ...manifests };
  m['profiles/kyverno.yaml'] = m['profiles/kyverno.yaml']!.replace('spec:\n', `spec:\n${extra}`);
  return m;
}

export const DRIFT_MODE = '  syncMode: ContinuousWithDriftDetection\n';

export async function deploymentReplicas(f: Fleet, cluster: string): Promise<number | undefined> {
  const out = await f.kubectl(cluster, 'get', 'deployment', DEPLOYMENT, '-n', RELEASE_NS, '--ignore-not-found', '-o', 'json');
  return out.trim() === '' ? undefined : JSON.parse(out).spec.replicas;
}

/** A fleet (kept in `fleets` to be closed) whose daemon has deployed the seed's release on cluster1 and gone idle. */
export async function fleetWithRelease(
  fleets: Fleet[],
  manifests?: (url: string) => Record<string, string>,
  flags: Record<string, string> = {},
): Promise<{ f: Fleet; daemon: Daemon }> {
  const f = await startFleet(manifests ? { manifests } : {});
  fleets.push(f);
  // Generous probe timeouts: on a loaded machine a slow probe must not look like an outage here.
  const daemon = await f.startDaemon({ failureThreshold: '3', probeTimeout: '2s', ...flags });
  await waitFor(`the release on ${C1}`, () => deployedOn(f, C1), 60_000);
  await waitFor('the release recorded as Deployed', async () => (await record(f, C1))?.state === 'Deployed');
  await daemon.queue.idle();
  return { f, daemon };
}
