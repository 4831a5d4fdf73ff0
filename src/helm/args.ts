// Pure: helm command lines from a release request and its Sveltos HelmOptions. Kept apart from
// execution so every option's translation is testable without a cluster. Helm 4 renamed some
// flags (--atomic → --rollback-on-failure, --force → --force-replace, --wait takes a strategy);
// the dialect picks the spelling the resolved binary accepts.
import type { HelmOptions } from '../model/objects.ts';
import type { ClusterTarget, ReleaseRequest } from '../model/ports.ts';

export type HelmDialect = 'v3' | 'v4';

/** Sveltos keeps at most this many revisions unless upgradeOptions.maxHistory says otherwise. */
export const DEFAULT_HISTORY_MAX = 2;

export class InvalidReleaseRequestError extends Error {
  override readonly name = 'InvalidReleaseRequestError';
  readonly code = 'INVALID_REQUEST';
}

/**
 * The end of helm's argument list: `--`, then the positionals, so no value is ever read as a flag.
 * The loader already refuses names starting with `-`; refusing them here again covers values that
 * reach helm another way (a rendered template, a status file) and gives a typed error, not helm's.
 */
export function positionals(named: Readonly<Record<string, string>>): string[] {
  for (const [what, value] of Object.entries(named)) {
    if (value.startsWith('-')) {
      throw new InvalidReleaseRequestError(`${what} ${JSON.stringify(value)} starts with "-": no helm name does, and before "--" helm would take it for a flag`);
    }
  }
  return ['--', ...Object.values(named)];
}

/** A chart name helm would read as a path on this machine: absolute, `..`, a backslash, or a `-` segment. */
function localPathProblem(chart: string): string | undefined {
  if (chart.startsWith('/')) return 'is an absolute path';
  if (chart.includes('\\')) return 'holds a backslash';
  const segments = chart.split('/');
  if (segments.includes('..')) return 'holds a ".." segment';
  if (segments.some((s) => s.startsWith('-'))) return 'has a segment starting with "-"';
  return undefined;
}

export interface ChartReference {
  /** Positional CHART argument. */
  chart: string;
  /** `--repo` value for classic (index.yaml) repositories. */
  repo?: string;
}

/**
 * Sveltos writes classic repositories as repositoryURL + `repoName/chart`, and OCI ones as
 * `oci://host/path` + `chart`; helm wants `--repo <url> chart` and `oci://host/path/chart`.
 */
export function chartReference(req: Pick<ReleaseRequest, 'repositoryURL' | 'repositoryName' | 'chartName'>): ChartReference {
  const url = req.repositoryURL.trim();
  const name = req.chartName.trim();
  if (name === '') throw new InvalidReleaseRequestError('chartName is empty');
  const problem = localPathProblem(name);
  if (problem) throw new InvalidReleaseRequestError(`chartName ${JSON.stringify(name)} ${problem}: helm would look for it on this machine`);
  if (name.startsWith('oci://')) return { chart: name };
  if (/^oci:\/\//i.test(url)) return { chart: `${url.replace(/\/+$/, '')}/${name.replace(/^\/+/, '')}` };
  if (/^https?:\/\//i.test(url)) {
    const slash = name.indexOf('/');
    return { chart: slash >= 0 ? name.slice(slash + 1) : name, repo: url };
  }
  throw new InvalidReleaseRequestError(
    `repositoryURL ${JSON.stringify(url)} is not supported: use an http(s):// chart repository or an oci:// registry`,
  );
}

/** Where the chart comes from and where the release goes: `--repo`, `--namespace`, `--kubeconfig`. */
function whereArgs(ref: ChartReference, req: ReleaseRequest, target: ClusterTarget): string[] {
  return [...(ref.repo !== undefined ? ['--repo', ref.repo] : []), '--namespace', req.releaseNamespace, '--kubeconfig', target.kubeconfigPath];
}

/** The post-renderer of a release with drift exclusions: what to name to helm, and its private request file. */
export interface PostRenderArgs {
  renderer: string;
  requestFile: string;
}

/** `--post-renderer=…`: attached with `=`, so not even a path of ours can be read as a flag. */
function postRenderArgs(p: PostRenderArgs | undefined): string[] {
  return p ? [`--post-renderer=${p.renderer}`, `--post-renderer-args=${p.requestFile}`] : [];
}

/**
 * Private files of one call besides `values`, all in gitset's own folders: valuesFrom's values (in
 * merge order), and the credentials folder's files the request's chartAccess names.
 */
export interface CallFiles {
  valuesFrom?: readonly string[];
  registryConfig?: string;
  caFile?: string;
  keyring?: string;
}

/** `--values` for `values`, then for each valuesFrom text: helm merges them in that order, later wins. */
function valuesArgs(valuesFile: string | undefined, files: CallFiles | undefined): string[] {
  return [...(valuesFile !== undefined ? [valuesFile] : []), ...(files?.valuesFrom ?? [])].flatMap((f) => ['--values', f]);
}

/**
 * How helm reaches and verifies the chart (Sveltos' registryCredentialsConfig and
 * provenanceVerification). Paths attached with `=`. A registry config only serves oci:// charts:
 * helm takes a classic repository's credentials only as --username/--password, on its command line,
 * where gitset never puts a secret.
 */
export function chartAccessArgs(req: ReleaseRequest, ref: ChartReference, files: CallFiles | undefined): string[] {
  const a = req.chartAccess;
  if (!a) return [];
  const file = (what: string, path: string | undefined): string => {
    if (path === undefined) throw new InvalidReleaseRequestError(`${what}: its file from the credentials folder was not given`);
    return path;
  };
  const args: string[] = [];
  if (a.credentials) {
    if (ref.repo !== undefined) {
      throw new InvalidReleaseRequestError('registryCredentialsConfig.credentials: a registry config serves oci:// charts only; helm would need this http(s) repository\'s password on its command line');
    }
    args.push(`--registry-config=${file('registryCredentialsConfig.credentials', files?.registryConfig)}`);
  }
  if (a.ca) args.push(`--ca-file=${file('registryCredentialsConfig.ca', files?.caFile)}`);
  if (a.insecureSkipTLSVerify) args.push('--insecure-skip-tls-verify');
  if (a.plainHTTP) args.push('--plain-http');
  if (a.keyring) args.push('--verify', `--keyring=${file('provenanceVerification.keyringSecretRef', files?.keyring)}`);
  return args;
}

/** `upgrade --install …` for one release. `valuesFile` is undefined when `values` is empty. */
export function upgradeInstallArgs(
  target: ClusterTarget,
  req: ReleaseRequest,
  valuesFile: string | undefined,
  dialect: HelmDialect,
  postRender?: PostRenderArgs,
  files?: CallFiles,
): string[] {
  const o: HelmOptions = req.options ?? {};
  const up = o.upgradeOptions ?? {};
  const ref = chartReference(req);
  const args = ['upgrade', '--install', ...whereArgs(ref, req, target)];
  if (o.createNamespace !== false && o.installOptions?.createNamespace !== false) args.push('--create-namespace');
  if (req.chartVersion.trim() !== '') args.push('--version', req.chartVersion.trim());
  args.push('--history-max', String(up.maxHistory ?? DEFAULT_HISTORY_MAX));
  const values = valuesArgs(valuesFile, files);
  if (values.length > 0) args.push(...values);
  else if (!up.reuseValues && !up.resetThenReuseValues) {
    // helm reuses the previous release's values when given none; desired state is "no values".
    args.push('--reset-values');
  }
  args.push(...commonApplyFlags(o, dialect), ...phaseFlags(o, req.phase));
  if (up.force) {
    // helm 4 refuses to replace objects while applying server-side; replacing is what force asks for.
    args.push(...(dialect === 'v4' ? ['--force-replace', '--server-side=false'] : ['--force']));
  }
  if (up.resetValues && values.length > 0) args.push('--reset-values');
  if (up.reuseValues) args.push('--reuse-values');
  if (up.resetThenReuseValues) args.push('--reset-then-reuse-values');
  if (up.cleanupOnFail) args.push('--cleanup-on-fail');
  if (up.subNotes) args.push('--render-subchart-notes');
  const description = o.description ?? up.description;
  if (description) args.push('--description', description);
  args.push(...chartAccessArgs(req, ref, files), ...postRenderArgs(postRender), ...labelArgs(req), '--output', 'json');
  return [...args, ...positionals({ 'release name': req.releaseName, chart: ref.chart })];
}

/** `--labels k=v,…` for the release record; helm merges them with the labels it already has. */
function labelArgs(req: ReleaseRequest): string[] {
  const pairs = Object.entries(req.labels ?? {});
  for (const [k, v] of pairs) {
    if (!/^[A-Za-z0-9][-A-Za-z0-9_./]*$/.test(k) || !/^[A-Za-z0-9]?[-A-Za-z0-9_.]*$/.test(v)) {
      throw new InvalidReleaseRequestError(`release label ${JSON.stringify(`${k}=${v}`)} is not a valid Kubernetes label`);
    }
  }
  return pairs.length > 0 ? ['--labels', pairs.map(([k, v]) => `${k}=${v}`).join(',')] : [];
}

/**
 * `install --replace …`: only used when installOptions.replace is set and `upgrade --install`
 * found a release whose history holds only uninstalled revisions (kept with keepHistory).
 */
export function replaceInstallArgs(
  target: ClusterTarget,
  req: ReleaseRequest,
  valuesFile: string | undefined,
  dialect: HelmDialect,
  postRender?: PostRenderArgs,
  files?: CallFiles,
): string[] {
  const o: HelmOptions = req.options ?? {};
  const ref = chartReference(req);
  const args = ['install', '--replace', ...whereArgs(ref, req, target)];
  if (o.createNamespace !== false && o.installOptions?.createNamespace !== false) args.push('--create-namespace');
  if (req.chartVersion.trim() !== '') args.push('--version', req.chartVersion.trim());
  args.push(...valuesArgs(valuesFile, files));
  args.push(...commonApplyFlags(o, dialect), ...phaseFlags(o, 'install'));
  const description = o.description ?? o.upgradeOptions?.description;
  if (description) args.push('--description', description);
  args.push(...chartAccessArgs(req, ref, files), ...postRenderArgs(postRender), ...labelArgs(req), '--output', 'json');
  return [...args, ...positionals({ 'release name': req.releaseName, chart: ref.chart })];
}

function commonApplyFlags(o: HelmOptions, dialect: HelmDialect): string[] {
  const args: string[] = [];
  if (o.wait) args.push(dialect === 'v4' ? '--wait=watcher' : '--wait');
  if (o.waitForJobs) args.push('--wait-for-jobs');
  if (o.timeout) args.push('--timeout', o.timeout);
  if (o.atomic) args.push(dialect === 'v4' ? '--rollback-on-failure' : '--atomic');
  if (o.skipCRDs) args.push('--skip-crds');
  if (o.disableOpenAPIValidation) args.push('--disable-openapi-validation');
  if (o.dependencyUpdate) args.push('--dependency-update');
  const labels = Object.entries(o.labels ?? {});
  if (labels.length > 0) {
    for (const [k, v] of labels) {
      if (/[,=]/.test(k) || v.includes(',')) {
        throw new InvalidReleaseRequestError(`release label ${JSON.stringify(k)}: keys cannot hold ',' or '=', values cannot hold ','`);
      }
    }
    args.push('--labels', labels.map(([k, v]) => `${k}=${v}`).join(','));
  }
  return args;
}

/**
 * Flags whose Sveltos option depends on the phase: `disableHooks` (everywhere, or only on install or
 * upgrade) → `--no-hooks`; `installOptions.takeOwnership` / `upgradeOptions.takeOwnership` →
 * `--take-ownership` (helm ≥ 3.17). `helm upgrade --install` hands its flags to the install it
 * falls back to, so the planner's phase says which set applies.
 */
function phaseFlags(o: HelmOptions, phase: ReleaseRequest['phase']): string[] {
  const own = phase === 'install' ? o.installOptions : phase === 'upgrade' ? o.upgradeOptions : undefined;
  const args: string[] = [];
  if (o.disableHooks || own?.disableHooks) args.push('--no-hooks');
  if (own?.takeOwnership) args.push('--take-ownership');
  return args;
}

/** `helm test` of a release just installed or upgraded (options.runTests). */
export function testArgs(target: ClusterTarget, req: Pick<ReleaseRequest, 'releaseNamespace' | 'releaseName' | 'options'>): string[] {
  const args = ['test', '--namespace', req.releaseNamespace, '--kubeconfig', target.kubeconfigPath];
  if (req.options?.timeout) args.push('--timeout', req.options.timeout);
  return [...args, ...positionals({ 'release name': req.releaseName })];
}

const PROPAGATION: Record<string, string> = { background: 'background', foreground: 'foreground', orphan: 'orphan' };

export function uninstallArgs(
  target: ClusterTarget,
  release: Pick<ReleaseRequest, 'releaseNamespace' | 'releaseName' | 'options'>,
  dialect: HelmDialect,
): string[] {
  const o: HelmOptions = release.options ?? {};
  const un = o.uninstallOptions ?? {};
  const args = ['uninstall', '--namespace', release.releaseNamespace, '--kubeconfig', target.kubeconfigPath];
  if (un.keepHistory) args.push('--keep-history');
  if (un.deletionPropagation) {
    const cascade = PROPAGATION[un.deletionPropagation.toLowerCase()];
    if (cascade === undefined) {
      throw new InvalidReleaseRequestError(
        `uninstallOptions.deletionPropagation ${JSON.stringify(un.deletionPropagation)} must be Background, Foreground or Orphan`,
      );
    }
    args.push('--cascade', cascade);
  }
  if (un.description) args.push('--description', un.description);
  if (o.disableHooks || un.disableHooks) args.push('--no-hooks');
  if (o.timeout) args.push('--timeout', o.timeout);
  if (o.wait) args.push(dialect === 'v4' ? '--wait=watcher' : '--wait');
  return [...args, ...positionals({ 'release name': release.releaseName })];
}

export function listArgs(target: ClusterTarget): string[] {
  // Every state in which something of the release is on the cluster (helm 4 dropped --all);
  // --max 0 lifts helm's default limit of 256.
  return [
    'list', '--all-namespaces', '--deployed', '--failed', '--pending', '--uninstalling',
    '--max', '0', '--output', 'json', '--kubeconfig', target.kubeconfigPath,
  ];
}

