// Builds the real parts a daemon runs with from its configuration: the Git repository, the
// prober, the helm runner, the status codec, and the cycle over them. `gitset run`,
// `gitset reconcile --once` and `gitset demo` all start from here.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { openRepo } from '../git/open.ts';
import type { Repo } from '../git/repo.ts';
import { watchRepo } from '../git/watch.ts';
import { resolveHelm } from '../helm/binary.ts';
import { createHelmRunner } from '../helm/runner.ts';
import { resolveKubectl } from '../kubectl/binary.ts';
import { createKubectlRunner } from '../kubectl/runner.ts';
import type { KubectlRunner, StatusCodec } from '../model/ports.ts';
import { createHealthScriptRunner } from '../observe/health-script-pool.ts';
import { createProber } from '../probe/prober.ts';
import { describeChanges } from '../status/describe.ts';
import { readStatusFiles } from '../status/read.ts';
import { renderDocument, renderStatusFiles, statusDocuments } from '../status/render.ts';
import { ownerOfPath } from '../status/shards.ts';
import type { Shard } from '../select/shard.ts';
import type { DaemonConfig } from './config.ts';
import { createReconciler } from './cycle.ts';
import { introducedAtFinder } from './introduced-at.ts';
import { approvalFinder } from './approvals.ts';
import type { Reconciler, RunCycle } from './daemon.ts';
import type { DaemonMetrics } from './metrics.ts';

/** The checkout gitset runs from: where `.tools/helm` and node_modules are. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const statusCodec: StatusCodec = {
  read: (files, certified) => readStatusFiles(files, certified),
  render: (snapshot) => renderStatusFiles(snapshot),
  documents: (snapshot) => statusDocuments(snapshot),
  writeDocument: (doc) => renderDocument(doc),
  describe: (prev, next) => {
    const d = describeChanges(prev, next);
    return { subject: d.subject || 'status: update', body: d.body };
  },
};

export interface Runtime {
  repo: Repo;
  /** What the daemon runs: cycles with helm, pulls and commits in the background. */
  reconciler: Reconciler;
  /** One cycle carried through to its commit (reconcile --once). */
  runCycle: RunCycle;
  helmPath: string;
  /** For a local repository: watches its files; undefined for a remote. */
  watchRepository?: (onChange: () => void) => Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface RuntimeDeps {
  logger: Logger;
  metrics: DaemonMetrics;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Failure injection for tests (a push that never lands, …); the real repository otherwise. */
  wrapRepo?: (repo: Repo) => Repo;
}

export async function buildRuntime(config: DaemonConfig, deps: RuntimeDeps): Promise<Runtime> {
  const { logger } = deps;
  const repo = openRepository(config, deps);
  const helm = await resolveHelm({ ...(config.helmBinary ? { flag: config.helmBinary } : {}), env: deps.env, projectRoot: PROJECT_ROOT });
  // Exec credential plugins and proxies see the same environment under the prober as under helm.
  const prober = createProber({ credentialsDir: config.credentials, timeoutMs: config.probeTimeoutMs, logger: logger.child({ component: 'probe' }), pluginEnv: deps.env, proxyEnv: deps.env });
  const helmRunner = createHelmRunner({ helmPath: helm.path, workDir: join(config.workDir, 'helm'), timeoutMs: config.helmTimeoutMs, logger: logger.child({ component: 'helm' }), env: deps.env, credentialsDir: config.credentials });
  const kubectlRunner = await policyRunner(config, deps);
  // validateHealths scripts run in a worker thread of their own, started at the first check.
  const scripts = createHealthScriptRunner();
  logger.info({ repo: repo.displayUrl, branch: config.branch, helm: helm.path, helmSource: helm.source, ...(config.shard.count > 1 ? { shard: config.shard.index, shards: config.shard.count } : {}) }, 'gitset configured');
  const reconciler = createReconciler({
    repo,
    prober,
    helm: helmRunner,
    ...(kubectlRunner ? { kubectl: kubectlRunner } : {}),
    codec: statusCodec,
    credentialsDir: config.credentials,
    statusDir: config.statusDir,
    helmParallelism: config.helmParallelism,
    observe: { reader: prober, driftIntervalMs: config.driftIntervalMs, parallelism: config.observeParallelism, budgetMs: config.probeIntervalMs, scripts },
    failureThreshold: config.failureThreshold,
    breaker: config.breaker,
    ...(config.allowedChartRepos ? { chartRepos: config.allowedChartRepos } : {}),
    ...(repo.kind === 'remote'
      ? { introducedAt: introducedAtFinder(repo) }
      : {}),
    ...(repo.kind !== 'local-folder' ? { approvals: approvalFinder(repo) } : {}),
    logger,
    metrics: deps.metrics,
    ...(config.shard.count > 1 ? { shard: config.shard, shardHeartbeatMs: config.shardHeartbeatMs, ...(config.secrets.shardKey ? { shardKey: config.secrets.shardKey } : {}) } : {}),
  });
  const watchRepository = repo.kind === 'remote' ? undefined : fileWatcher(repo.dir, config.statusDir, logger);
  return {
    repo,
    reconciler,
    runCycle: (request, signal) => reconciler.complete(request, signal),
    helmPath: helm.path,
    ...(watchRepository ? { watchRepository } : {}),
    async close() {
      prober.close();
      await scripts.close();
      await repo.close();
    },
  };
}

/** kubectl for policyRefs; without one, gitset still runs helm and says policies are not applied. */
async function policyRunner(config: DaemonConfig, deps: RuntimeDeps): Promise<KubectlRunner | undefined> {
  try {
    const kubectl = await resolveKubectl({ env: deps.env, projectRoot: PROJECT_ROOT });
    deps.logger.info({ kubectl: kubectl.path, kubectlSource: kubectl.source }, 'kubectl for policyRefs');
    return createKubectlRunner({ kubectlPath: kubectl.path, workDir: join(config.workDir, 'kubectl'), timeoutMs: config.helmTimeoutMs, env: deps.env });
  } catch (err) {
    deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'no kubectl: policyRefs are not applied');
    return undefined;
  }
}

function openRepository(config: DaemonConfig, deps: RuntimeDeps): Repo {
  const opened = openRepo({
    url: config.repo,
    branch: config.branch,
    path: config.path === '.' ? '' : config.path,
    statusDir: config.statusDir,
    ...(config.statusBranch !== config.branch ? { statusBranch: config.statusBranch } : {}),
    workDir: join(config.workDir, 'repo'),
    cwd: deps.cwd,
    env: deps.env,
    auth: {
      ...(config.secrets.gitUsername ? { username: config.secrets.gitUsername } : {}),
      ...(config.secrets.gitToken ? { token: config.secrets.gitToken } : {}),
      ...(config.secrets.gitPassword ? { password: config.secrets.gitPassword } : {}),
      ...(config.secrets.gitTokenFile ? { tokenFile: config.secrets.gitTokenFile } : {}),
      ...(config.secrets.gitPasswordFile ? { passwordFile: config.secrets.gitPasswordFile } : {}),
    },
    // Each shard's commits are told apart in `git log` unless an author was chosen.
    author: config.shard.count > 1 && config.author.name === 'gitset' ? { ...config.author, name: `gitset shard ${config.shard.index}` } : config.author,
    logger: deps.logger.child({ component: 'git' }),
    ...(config.shard.count > 1 ? { statusOwned: ownedStatusFiles(config.shard) } : {}),
  });
  return deps.wrapRepo ? deps.wrapRepo(opened) : opened;
}

/** For a local repository: a cycle on every change of its files, its status folder aside. */
function fileWatcher(dir: string, statusDir: string, logger: Logger): NonNullable<Runtime['watchRepository']> {
  return async (onChange: () => void) => {
    const watcher = watchRepo(dir, () => onChange(), {
      ignore: [join(dir, statusDir)],
      onError: (err) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'file watcher error'),
    });
    await watcher.ready;
    return () => watcher.close();
  };
}

/** The status files a shard writes, by path: every other file is carried over by its status commits. */
function ownedStatusFiles(shard: Shard): (path: string) => boolean {
  return (path) => ownerOfPath(path, shard.count) === shard.index;
}
