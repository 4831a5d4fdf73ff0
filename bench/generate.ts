// Deterministic fleet generator for the benchmarks: N SveltosClusters with realistic labels,
// M sets (ClusterSets and namespaced Sets) and P profiles (ClusterProfiles and namespaced
// Profiles) with two Helm charts each, as one YAML file per object. The same seed always gives
// the same files, so figures from two runs (or two machines) are about the same workload.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface FleetOptions {
  clusters: number;
  sets: number;
  profiles: number;
  seed?: number;
  /** Namespaces the clusters, Sets and Profiles spread over (one per team). Default 25. */
  teams?: number;
}

export interface GeneratedFile {
  path: string;
  text: string;
}

export interface GeneratedCluster {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  paused: boolean;
}

export interface GeneratedFleet {
  options: Required<FleetOptions>;
  /** Repository-relative paths, one object per file. */
  files: GeneratedFile[];
  clusters: GeneratedCluster[];
  counts: { clusterSets: number; sets: number; clusterProfiles: number; profiles: number; setRefProfiles: number };
}

/** mulberry32: tiny, fast, good enough to pick labels reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
function weighted<T>(rng: Rng, xs: ReadonlyArray<readonly [T, number]>): T {
  let r = rng() * xs.reduce((s, [, w]) => s + w, 0);
  for (const [x, w] of xs) if ((r -= w) < 0) return x;
  return xs[xs.length - 1]![0];
}

const ENVS = [['prod', 40], ['staging', 30], ['dev', 30]] as const;
const PROVIDERS = [['aws', 40], ['gcp', 25], ['azure', 25], ['civo', 10]] as const;
const REGIONS: Record<string, readonly string[]> = {
  aws: ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1'],
  gcp: ['us-central1', 'europe-west4', 'asia-east1', 'us-east4'],
  azure: ['eastus', 'westeurope', 'southeastasia', 'uksouth'],
  civo: ['lon1', 'nyc1', 'fra1', 'phx1'],
};
const ALL_REGIONS = Object.values(REGIONS).flat();
const TIERS = [['gold', 20], ['silver', 30], ['bronze', 50]] as const;
const CHARTS = [
  ['kyverno', 'https://kyverno.github.io/kyverno/', 'v3.3.3'],
  ['cert-manager', 'https://charts.jetstack.io', 'v1.16.2'],
  ['ingress-nginx', 'https://kubernetes.github.io/ingress-nginx', '4.11.3'],
  ['prometheus', 'https://prometheus-community.github.io/helm-charts', '26.0.0'],
  ['grafana', 'https://grafana.github.io/helm-charts', '8.6.0'],
  ['external-secrets', 'https://charts.external-secrets.io', '0.10.5'],
  ['vault', 'https://helm.releases.hashicorp.com', '0.29.0'],
  ['gatekeeper', 'https://open-policy-agent.github.io/gatekeeper/charts', '3.17.1'],
  ['podinfo', 'https://stefanprodan.github.io/podinfo', '6.7.1'],
  ['redis', 'oci://registry-1.docker.io/bitnamicharts', '20.3.0'],
  ['postgresql', 'oci://registry-1.docker.io/bitnamicharts', '16.2.1'],
  ['nats', 'https://nats-io.github.io/k8s/helm/charts/', '1.2.6'],
] as const;

const pad = (n: number, w = 6) => String(n).padStart(w, '0');
const yamlList = (xs: readonly string[]) => `[${xs.join(', ')}]`;

function labelsBlock(labels: Record<string, string>, indent: string): string {
  return Object.entries(labels).map(([k, v]) => `${indent}${k}: ${v}\n`).join('');
}

function clusterYaml(c: GeneratedCluster, threshold: number | undefined): string {
  const spec =
    (c.paused ? '  paused: true\n' : '') + (threshold !== undefined ? `  consecutiveFailureThreshold: ${threshold}\n` : '');
  return (
    'apiVersion: lib.projectsveltos.io/v1beta1\nkind: SveltosCluster\nmetadata:\n' +
    `  name: ${c.name}\n  namespace: ${c.namespace}\n  labels:\n${labelsBlock(c.labels, '    ')}` +
    (spec ? `spec:\n${spec}` : 'spec: {}\n')
  );
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

function selectorYaml(sel: Selector): string {
  let s = '  clusterSelector:\n';
  if (sel.matchLabels) s += `    matchLabels:\n${labelsBlock(sel.matchLabels, '      ')}`;
  if (sel.matchExpressions) {
    s += '    matchExpressions:\n';
    for (const e of sel.matchExpressions) {
      s += `    - key: ${e.key}\n      operator: ${e.operator}\n`;
      if (e.values) s += `      values: ${yamlList(e.values)}\n`;
    }
  }
  return s;
}

function makeCluster(rng: Rng, i: number, teams: number): GeneratedCluster {
  const env = weighted(rng, ENVS);
  const provider = weighted(rng, PROVIDERS);
  const region = pick(rng, REGIONS[provider]!);
  const zone = `${region}${pick(rng, ['a', 'b', 'c'])}`;
  const team = `team-${pad(Math.floor(rng() * teams), 2)}`;
  const tier = weighted(rng, TIERS);
  return {
    namespace: team,
    name: `${env}-${region}-${pad(i)}`,
    labels: { env, region, zone, tier, team, provider },
    paused: rng() < 0.005,
  };
}

/** A set's selector: a slice of the fleet around 1–5 % of its clusters (or its namespace's). */
function setSelector(rng: Rng, namespaced: boolean): Selector {
  const env = weighted(rng, ENVS);
  switch (Math.floor(rng() * 3)) {
    case 0:
      return namespaced ? { matchLabels: { env } } : { matchLabels: { env, region: pick(rng, ALL_REGIONS) } };
    case 1:
      return {
        matchLabels: { env },
        matchExpressions: [
          { key: 'region', operator: 'In', values: [pick(rng, ALL_REGIONS), pick(rng, ALL_REGIONS)] },
          { key: 'tier', operator: 'NotIn', values: ['bronze'] },
        ],
      };
    default:
      return {
        matchExpressions: [
          { key: 'provider', operator: 'In', values: [weighted(rng, PROVIDERS)] },
          { key: 'env', operator: 'In', values: [env] },
          ...(namespaced ? [] : [{ key: 'tier', operator: 'In' as const, values: ['gold'] }]),
          { key: 'maintenance', operator: 'DoesNotExist' as const },
        ],
      };
  }
}

/** A profile's selector: narrow (a team's env in one region) most of the time; a few platform-wide ones. */
function profileSelector(rng: Rng, namespaced: boolean, platform: boolean): Selector {
  if (platform) return { matchLabels: { env: 'prod', provider: 'aws' } };
  const env = weighted(rng, ENVS);
  if (namespaced) {
    return rng() < 0.5
      ? { matchLabels: { env, region: pick(rng, ALL_REGIONS) } }
      : { matchLabels: { env }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] };
  }
  return rng() < 0.5
    ? { matchLabels: { env, region: pick(rng, ALL_REGIONS), tier: weighted(rng, TIERS) } }
    : { matchLabels: { env, tier: 'gold' }, matchExpressions: [{ key: 'region', operator: 'In', values: [pick(rng, ALL_REGIONS)] }] };
}

function chartYaml(rng: Rng, profileName: string, k: number, templated: boolean): string {
  const [chart, url, version] = pick(rng, CHARTS);
  const oci = url.startsWith('oci://');
  let s =
    `  - repositoryURL: ${url}\n    repositoryName: ${chart}\n` +
    `    chartName: ${oci ? chart : `${chart}/${chart}`}\n    chartVersion: ${version}\n` +
    `    releaseName: ${profileName}-${chart}-${k}\n    releaseNamespace: ${chart}\n    helmChartAction: Install\n`;
  if (templated) {
    s += '    values: |\n      clusterName: "{{ .Cluster.metadata.name }}"\n      replicas: 2\n';
  } else if (rng() < 0.5) {
    s += `    values: |\n      replicas: ${1 + Math.floor(rng() * 3)}\n      resources:\n        requests:\n          cpu: 100m\n`;
  }
  return s;
}

/**
 * Builds the fleet in memory. Shares of each kind: half the sets are ClusterSets, half
 * namespaced Sets; half the profiles are ClusterProfiles, half Profiles; ~30 % of profiles
 * reach clusters through setRefs, 0.5 % are platform-wide (prod on aws, ~16 % of clusters).
 */
export function generateFleet(opts: FleetOptions): GeneratedFleet {
  const options: Required<FleetOptions> = { seed: 42, teams: 25, ...opts };
  const rng = seededRandom(options.seed);
  const files: GeneratedFile[] = [];
  const clusters: GeneratedCluster[] = [];
  for (let i = 0; i < options.clusters; i++) {
    const c = makeCluster(rng, i, options.teams);
    clusters.push(c);
    const threshold = rng() < 0.1 ? 5 : undefined;
    files.push({ path: `clusters/${c.namespace}/${c.name}.yaml`, text: clusterYaml(c, threshold) });
  }

  const clusterSetNames: string[] = [];
  const setsByNs = new Map<string, string[]>();
  let clusterSets = 0;
  for (let i = 0; i < options.sets; i++) {
    const namespaced = i % 2 === 1;
    const maxReplicas = 1 + Math.floor(rng() * 5);
    let head: string;
    let path: string;
    let refs = '';
    if (namespaced) {
      const ns = `team-${pad(Math.floor(rng() * options.teams), 2)}`;
      const name = `set-${pad(i, 4)}`;
      setsByNs.set(ns, [...(setsByNs.get(ns) ?? []), name]);
      head = `apiVersion: lib.projectsveltos.io/v1beta1\nkind: Set\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n`;
      path = `sets/${ns}/${name}.yaml`;
    } else {
      const name = `cs-${pad(i, 4)}`;
      clusterSetNames.push(name);
      clusterSets++;
      head = `apiVersion: lib.projectsveltos.io/v1beta1\nkind: ClusterSet\nmetadata:\n  name: ${name}\n`;
      path = `clustersets/${name}.yaml`;
      if (rng() < 0.1 && clusters.length >= 2) {
        const refd = [pick(rng, clusters), pick(rng, clusters)];
        refs =
          '  clusterRefs:\n' +
          refd
            .map((c) => `  - apiVersion: lib.projectsveltos.io/v1beta1\n    kind: SveltosCluster\n    namespace: ${c.namespace}\n    name: ${c.name}\n`)
            .join('');
      }
    }
    const text = `${head}spec:\n${selectorYaml(setSelector(rng, namespaced))}${refs}  maxReplicas: ${maxReplicas}\n`;
    files.push({ path, text });
  }

  let clusterProfiles = 0;
  let setRefProfiles = 0;
  const platformEvery = 200;
  for (let i = 0; i < options.profiles; i++) {
    const namespaced = i % 2 === 1;
    const ns = `team-${pad(Math.floor(rng() * options.teams), 2)}`;
    const name = namespaced ? `app-${pad(i, 4)}` : `addon-${pad(i, 4)}`;
    const head = namespaced
      ? `apiVersion: config.projectsveltos.io/v1beta1\nkind: Profile\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n`
      : `apiVersion: config.projectsveltos.io/v1beta1\nkind: ClusterProfile\nmetadata:\n  name: ${name}\n`;
    if (!namespaced) clusterProfiles++;
    const candidates = namespaced ? (setsByNs.get(ns) ?? []) : clusterSetNames;
    let spec = '';
    if (rng() < 0.3 && candidates.length > 0) {
      setRefProfiles++;
      const refs = new Set([pick(rng, candidates)]);
      if (!namespaced && rng() < 0.3) refs.add(pick(rng, candidates));
      spec += `  setRefs: ${yamlList([...refs])}\n`;
    } else {
      spec += selectorYaml(profileSelector(rng, namespaced, !namespaced && i % platformEvery === 0));
    }
    if (rng() < 0.1) spec += `  tier: ${50 + Math.floor(rng() * 100)}\n`;
    if (rng() < 0.05) spec += '  stopMatchingBehavior: LeavePolicies\n';
    const templated = rng() < 0.2;
    spec += `  helmCharts:\n${chartYaml(rng, name, 0, templated)}${chartYaml(rng, name, 1, false)}`;
    files.push({ path: namespaced ? `profiles/${ns}/${name}.yaml` : `clusterprofiles/${name}.yaml`, text: `${head}spec:\n${spec}` });
  }

  return {
    options,
    files,
    clusters,
    counts: {
      clusterSets,
      sets: options.sets - clusterSets,
      clusterProfiles,
      profiles: options.profiles - clusterProfiles,
      setRefProfiles,
    },
  };
}

/** Writes the fleet under `dir` (which should be empty), one file per object. */
export function writeFleet(dir: string, fleet: GeneratedFleet): void {
  const made = new Set<string>();
  for (const f of fleet.files) {
    const p = join(dir, f.path);
    const d = dirname(p);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    writeFileSync(p, f.text);
  }
}
