// `gitset demo`: the whole idea in about a minute, with nothing of the user's. Two simulated
// clusters, a chart repository and a Git server on loopback; the daemon runs in-process; the
// selected cluster is made to hang and the failover is narrated as it happens, read back the way
// a user would read it: from the status files and `git log` on the Git server.
import { existsSync, readdirSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { resolveHelm } from '../helm/binary.ts';
import { refKey, type StatusSnapshot } from '../status/snapshot.ts';
// The same table `gitset show addons` prints, from the same status files.
import { addonRows, renderShow } from '../cli/tables.ts';
import { resolveConfig } from '../daemon/config.ts';
import { startDaemon, type Daemon } from '../daemon/daemon.ts';
import { createLogger } from '../daemon/logger.ts';
import { createMetrics } from '../daemon/metrics.ts';
import { createNarrator, type Narrator } from './narrator.ts';
import { EXAMPLE_CHART_URL, startSandbox, type Sandbox } from './sandbox.ts';
import { SEED_CLUSTERS, seedManifests } from './seed.ts';
import { buildRuntime, PROJECT_ROOT, type Runtime } from '../daemon/wiring.ts';

export interface DemoOptions {
  out: NodeJS.WritableStream;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  keepRunning: boolean;
  /** Resolves when the user asks to stop (Ctrl-C); used with keepRunning, and to cut the demo short. */
  interrupted: Promise<void>;
  /** Longest single wait before the demo gives up with a message. */
  waitTimeoutMs?: number;
}

export interface DemoSummary {
  failoverMs: number;
  from: string;
  to: string;
  set: string;
}

const EXAMPLE_REPO = join(PROJECT_ROOT, 'example-repo');

/** What the demo started, stopped in reverse order however it ends. */
interface Started {
  sandbox?: Sandbox;
  runtime?: Runtime;
  daemon?: Daemon;
}

/** A bounded wait, narrated, that gives up with `failure` or when the user interrupts. */
type Wait = <T>(label: string, check: () => Promise<T | undefined>, failure: string) => Promise<T>;

/** The set that fails over: one with a selection and a spare. */
interface FailoverSet {
  set: string;
  selected: string;
  matching: string[];
  selectedCount: number;
}

export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const say = createNarrator(opts.out, opts.isTTY);
  const timeoutMs = opts.waitTimeoutMs ?? 60_000;
  const wait: Wait = (label, check, failure) => race(say.waitFor(label, check, { timeoutMs, intervalMs: 200, failure }), opts.interrupted);
  const started: Started = {};
  try {
    say.say('gitset demo: Git as the control plane of a fleet, with automatic failover.');
    const sb = await setUpSandbox(opts.env, say, started);
    const { url, logPath } = await startInProcessDaemon(sb, opts.env, say, started);
    const first = await waitForFirstDeployment(sb, wait, say);
    const { to, failoverMs } = await failOver(sb, first, wait, say);
    await showGitLog(sb, first.set, to, say);
    await bringBack(sb, first, to, wait, say);
    say.say(
      `\nSummary: ${first.set} failed over from ${first.selected} to ${to} in ${(failoverMs / 1000).toFixed(1)} s ` +
        `(hang → chart deployed on the spare), with every step committed to Git.`,
    );
    if (opts.keepRunning) await keepRunning(sb, url, logPath, opts.interrupted, say);
    return { failoverMs, from: first.selected, to, set: first.set };
  } finally {
    for (const c of started.sandbox?.clusters.values() ?? []) c.hang(false);
    await started.daemon?.stop('demo over').catch(() => undefined);
    await started.runtime?.close().catch(() => undefined);
    await started.sandbox?.close();
  }
}

async function setUpSandbox(env: NodeJS.ProcessEnv, say: Narrator, started: Started): Promise<Sandbox> {
  say.step('Setting up, all on 127.0.0.1: two simulated Kubernetes clusters, a Helm chart repository, a Git server.');
  const helm = await resolveHelm({ env, projectRoot: PROJECT_ROOT });
  const useExample = hasManifests(EXAMPLE_REPO);
  const sb = (started.sandbox = await startSandbox({
    clusters: SEED_CLUSTERS,
    ...(useExample ? { manifestsDir: EXAMPLE_REPO } : { manifests: seedManifests(EXAMPLE_CHART_URL) }),
    helmBinary: helm.path,
    chartPort: Number(new URL(EXAMPLE_CHART_URL).port),
  }));
  say.say(`   clusters:  ${[...sb.clusters.values()].map((c) => `${c.key} (${c.url})`).join(', ')}`);
  say.say(`   charts:    ${sb.chartRepo.url}${sb.chartRepo.url === EXAMPLE_CHART_URL ? '' : ` (port 18080 was taken; the demo's copy of the repository points here)`}`);
  say.say(`   Git:       ${sb.repoUrl}  (a copy of ${useExample ? 'example-repo/' : 'the ClusterSet seed scenario'})`);
  return sb;
}

async function startInProcessDaemon(sb: Sandbox, env: NodeJS.ProcessEnv, say: Narrator, started: Started): Promise<{ url: string; logPath: string }> {
  say.step('Starting the gitset daemon on that repository (probing every 500 ms).');
  const config = resolveConfig({
    flags: {
      repo: sb.repoUrl,
      credentials: sb.credentialsDir,
      workDir: sb.workDir,
      probeInterval: '500ms',
      probeTimeout: '500ms',
      pollInterval: '2s',
      listen: '127.0.0.1:0',
      shutdownGrace: '10s',
      helmTimeout: '60s',
      logFormat: 'json',
      logLevel: 'info',
    },
    env: {},
    cwd: sb.root,
  });
  const logPath = join(sb.root, 'gitset.log');
  const logger = createLogger({ level: config.logLevel, format: 'json', destination: createWriteStream(logPath) });
  const metrics = createMetrics();
  started.runtime = await buildRuntime(config, { logger, metrics, env, cwd: sb.root });
  const daemon = (started.daemon = await startDaemon({ config, reconciler: started.runtime.reconciler, logger, metrics }));
  say.say(`   metrics and health: ${daemon.url}/metrics  ·  log: ${logPath}`);
  return { url: daemon.url, logPath };
}

async function waitForFirstDeployment(sb: Sandbox, wait: Wait, say: Narrator): Promise<FailoverSet> {
  const first = await wait(
    'waiting for the first selection and the first helm install',
    async () => {
      const snap = await sb.readSnapshot();
      const pick = pickSet(snap);
      if (!pick) return undefined;
      return deployedOn(snap, pick.selected) ? pick : undefined;
    },
    'the daemon did not select a cluster and deploy the chart; see the log',
  );
  say.say(`   ${first.set} matches ${first.matching.join(' and ')}, and selects ${first.selected} (maxReplicas caps it at ${first.selectedCount}).`);
  say.say('   gitset show addons:');
  say.say(indent(renderShow('addons', await sb.readStatusFileList(), 'text').trimEnd()));
  return first;
}

/** Hangs the selected cluster and waits for each step of the failover; the time is from the hang to the chart on the spare. */
async function failOver(sb: Sandbox, first: FailoverSet, wait: Wait, say: Narrator): Promise<{ to: string; failoverMs: number }> {
  say.step(`Making ${first.selected} hang: its API server stops answering.`);
  const hungAt = Date.now();
  sb.clusters.get(first.selected)?.hang(true);
  await wait(
    `waiting for gitset to mark ${first.selected} not ready`,
    async () => ((await sb.readStatus(`SveltosCluster/${first.selected}.yaml`))?.status?.ready === false ? true : undefined),
    `${first.selected} was never marked not ready`,
  );
  const to = await wait(
    `waiting for ${first.set} to select another cluster`,
    async () => {
      const sel = selectedBy(await sb.readSnapshot(), first.set);
      return sel.length > 0 && !sel.includes(first.selected) ? sel[0] : undefined;
    },
    `${first.set} did not select another cluster`,
  );
  await wait(
    `waiting for the chart to be installed on ${to}`,
    async () => {
      const snap = await sb.readSnapshot();
      return !deployedOn(snap, first.selected) && deployedOn(snap, to) ? true : undefined;
    },
    `the chart was not installed on ${to}`,
  );
  const failoverMs = Date.now() - hungAt;
  say.say(`   Failover done in ${(failoverMs / 1000).toFixed(1)} s: ${first.set} now selects ${to}.`);
  say.say('   gitset show addons:');
  say.say(indent(renderShow('addons', await sb.readStatusFileList(), 'text').trimEnd()));
  say.say(`   Releases still recorded on ${first.selected} stay Pending: gitset removes them once it answers again.`);
  return { to, failoverMs };
}

async function showGitLog(sb: Sandbox, set: string, to: string, say: Narrator): Promise<void> {
  say.step('Every change is a commit: git log on the Git server (newest first):');
  const log = await sb.gitLog();
  for (const c of log.slice(0, 6)) say.say(`   ${c.oid.slice(0, 8)} ${c.subject}`);
  const failoverCommit = log.find((c) => `${c.subject}\n${c.body}`.includes(to) && `${c.subject}\n${c.body}`.includes(set));
  if (failoverCommit) {
    say.say(`\n   The failover commit ${failoverCommit.oid.slice(0, 8)}:`);
    say.say(indent(failoverCommit.body || failoverCommit.subject, 5));
  }
}

/** The hung cluster answers again: it stays a spare and its copy of the chart is withdrawn. */
async function bringBack(sb: Sandbox, first: FailoverSet, to: string, wait: Wait, say: Narrator): Promise<void> {
  say.step(`Bringing ${first.selected} back.`);
  sb.clusters.get(first.selected)?.hang(false);
  await wait(
    `waiting for gitset to remove the chart from ${first.selected} (a spare now: the selection stays on ${to})`,
    async () => {
      const snap = await sb.readSnapshot();
      const ready = snap.clusters.get(first.selected)?.status.ready === true;
      return ready && !deployedOn(snap, first.selected) && selectedBy(snap, first.set).includes(to) ? true : undefined;
    },
    `${first.selected} came back but its release was not withdrawn`,
  );
}

async function keepRunning(sb: Sandbox, url: string, logPath: string, interrupted: Promise<void>, say: Narrator): Promise<void> {
  say.say('\nEverything stays up until Ctrl-C. To look around:');
  for (const c of sb.clusters.values()) {
    const [ns, name] = c.key.split('/');
    say.say(`   kubeconfig of ${c.key}: ${join(sb.credentialsDir, ns ?? '', `${name ?? ''}.kubeconfig`)}`);
  }
  say.say(`   helm list -A --kubeconfig <one of the above>`);
  say.say(`   git clone ${sb.repoUrl}   (status files under status/)`);
  say.say(`   curl ${url}/metrics   ·   curl ${url}/readyz`);
  say.say(`   log: ${logPath}`);
  await interrupted;
  say.say('\nStopping and removing everything the demo started…');
}

/** The set to fail over: selecting fewer clusters than it matches, so there is a spare. */
function pickSet(snap: StatusSnapshot): FailoverSet | undefined {
  for (const [id, entry] of snap.sets) {
    const matching = entry.status.matchingClusterRefs.map(refKey);
    const selected = entry.status.selectedClusterRefs.map(refKey);
    if (selected.length > 0 && matching.length > selected.length) return { set: id, selected: selected[0]!, matching, selectedCount: selected.length };
  }
  return undefined;
}

function selectedBy(snap: StatusSnapshot, set: string): string[] {
  return (snap.sets.get(set)?.status.selectedClusterRefs ?? []).map(refKey);
}

/** Whether the status says some release is deployed on `cluster`. */
function deployedOn(snap: StatusSnapshot, cluster: string): boolean {
  return addonRows(snap).some((r) => r.cluster === cluster && r.state === 'Deployed');
}

function hasManifests(dir: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { recursive: true }).some((p) => /\.ya?ml$/.test(String(p)) && !String(p).startsWith('status'));
}

function indent(text: string, n = 3): string {
  return text
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');
}

class Interrupted extends Error {
  readonly code = 'INTERRUPTED';
}

function race<T>(p: Promise<T>, interrupted: Promise<void>): Promise<T> {
  return Promise.race([p, interrupted.then(() => Promise.reject(new Interrupted('interrupted')))]);
}

export function isInterrupted(err: unknown): boolean {
  return err instanceof Interrupted;
}
