// A simulated cluster with the real helm and kubectl pointed at it, and a credentials folder the
// prober reads its kubeconfig from: what the observation tests install, edit and read through.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { resolveHelm } from '../../src/helm/binary.ts';
import { resolveKubectl } from '../../src/kubectl/binary.ts';
import type { SveltosCluster } from '../../src/model/objects.ts';
import { startSimCluster, type SimCluster } from '../../src/sim/index.ts';
import { sveltosCluster } from '../probe/kubeconfigs.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const HELLO_CHART = join(root, 'charts', 'hello');

export interface SimWithTools {
  sim: SimCluster;
  /** Holds `<namespace>/<name>.kubeconfig`, as `--credentials` does. */
  credentials: string;
  ref: SveltosCluster;
  /** Runs helm (or kubectl) on the cluster; fails the test on a non-zero exit. */
  helm(...args: string[]): Promise<string>;
  kubectl(...args: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function simWithTools(namespace: string, name: string): Promise<SimWithTools> {
  const work = await mkdtemp(join(tmpdir(), 'gitset-observe-'));
  const helmPath = (await resolveHelm({ env: process.env, projectRoot: root })).path;
  const kubectlPath = (await resolveKubectl({ env: process.env, projectRoot: root })).path;
  const sim = await startSimCluster({ namespace, name });
  const credentials = join(work, 'credentials');
  const kubeconfig = join(credentials, namespace, `${name}.kubeconfig`);
  await sim.writeKubeconfig(kubeconfig);
  const env = { HOME: work, HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
  const run = async (bin: string, args: string[]): Promise<string> => {
    // kubectl caches discovery per host:port, and test ports get reused: a cache folder of its own.
    const extra = bin === kubectlPath ? ['--cache-dir', join(work, 'kube-cache')] : [];
    const r = await execa(bin, [...args, '--kubeconfig', kubeconfig, ...extra], { env, reject: false, timeout: 60_000 });
    assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    sim,
    credentials,
    ref: sveltosCluster(namespace, name),
    helm: (...args) => run(helmPath, args),
    kubectl: (...args) => run(kubectlPath, args),
    async close() {
      await sim.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}
