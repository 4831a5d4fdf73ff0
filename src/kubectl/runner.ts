// The real kubectl for `policyRefs`: server-side apply under gitset's field manager, and deletes
// that look at the object first and leave it alone unless it carries gitset's mark for the
// profile. Manifests and identities go through stdin (`-f -`); argv holds only our own flags,
// values attached with `=`, so nothing from the repository can become a flag.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ClusterKey } from '../model/objects.ts';
import type { ClusterTarget, KubectlRunner, KubeObjectIdentity, WithdrawResult } from '../model/ports.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, PROFILE_LABEL } from '../observe/ownership.ts';
import { createKustomizeBuilds } from '../kustomize/builds.ts';
import { pluginEnvironment } from '../probe/plugin-env.ts';

export const FIELD_MANAGER = 'gitset';

export type KubectlErrorCode = 'KUBECTL_FAILED' | 'KUBECTL_TIMEOUT' | 'KUBECTL_ABORTED' | 'KUBECTL_NOT_FOUND';

export class KubectlError extends Error {
  override readonly name = 'KubectlError';
  constructor(
    readonly code: KubectlErrorCode,
    message: string,
    readonly cluster?: ClusterKey,
  ) {
    super(message);
  }
}

export interface KubectlRunnerOptions {
  kubectlPath: string;
  /** kubectl's HOME and discovery cache live here, apart from the user's own. */
  workDir: string;
  timeoutMs: number;
  /** Parent environment: only what credential plugins need passes. */
  env: NodeJS.ProcessEnv;
}

/**
 * kubectl's private HOME and discovery cache under `workDir` (made, owner only), and the
 * environment it runs with: what credential plugins need from `parent`, nothing else.
 */
export function kubectlHome(workDir: string, parent: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; cacheDir: string } {
  const home = join(workDir, 'home');
  const cacheDir = join(workDir, 'cache');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  return { env: { ...pluginEnvironment(parent), HOME: home, NO_COLOR: '1' }, cacheDir };
}

export function createKubectlRunner(opts: KubectlRunnerOptions): KubectlRunner {
  const { env, cacheDir } = kubectlHome(opts.workDir, opts.env);
  const run = kubectlCall(opts, env, cacheDir);
  return {
    kustomize: createKustomizeBuilds({ kubectlPath: opts.kubectlPath, workDir: join(opts.workDir, 'kustomize'), timeoutMs: opts.timeoutMs }),
    async apply(target, manifests, signal) {
      if (manifests.length === 0) return;
      await run(target, ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts'], stream(manifests), signal);
    },
    async labels(target, refs, signal) {
      if (refs.length === 0) return [];
      const printed = await run(target, ['get', '--ignore-not-found', '-o', 'json'], stream(refs.map(identity)), signal);
      return labelsByRef(refs, printed);
    },
    async ensureNamespaces(target, names, signal) {
      if (names.length === 0) return;
      const docs = names.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
      await run(target, ['create'], stream(docs), signal, /\(AlreadyExists\)/);
    },
    async delete(target, refs, profileLabel, signal) {
      const out: WithdrawResult[] = [];
      for (const ref of refs) {
        const one = stream([identity(ref)]);
        const live = await run(target, ['get', '--ignore-not-found', '-o', 'json'], one, signal);
        if (live.trim() === '') {
          out.push('absent');
          continue;
        }
        const labels = labelsOf(JSON.parse(live));
        if (labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || labels[PROFILE_LABEL] !== profileLabel) {
          out.push('not-ours');
          continue;
        }
        await run(target, ['delete', '--ignore-not-found', '--wait=false'], one, signal);
        out.push('deleted');
      }
      return out;
    },
  };
}

type KubectlCall = (target: ClusterTarget, verb: string[], input: string, signal?: AbortSignal, tolerate?: RegExp) => Promise<string>;

/**
 * Runs one kubectl verb on `target` with the input on stdin; its stdout, or a KubectlError. Errors whose
 * every line `tolerate` matches (e.g. AlreadyExists) count as success.
 */
function kubectlCall(opts: KubectlRunnerOptions, env: NodeJS.ProcessEnv, cacheDir: string): KubectlCall {
  return async (target, verb, input, signal, tolerate) => {
    if (signal?.aborted) throw new KubectlError('KUBECTL_ABORTED', 'aborted before kubectl started', target.cluster);
    const args = [...verb, `--kubeconfig=${target.kubeconfigPath}`, `--cache-dir=${cacheDir}`, '-f', '-'];
    const r = await execa(opts.kubectlPath, args, { env, extendEnv: false, input, timeout: opts.timeoutMs, cancelSignal: signal, forceKillAfterDelay: 5000, reject: false, maxBuffer: 64 * 1024 * 1024 });
    if (!r.failed) return r.stdout;
    if (r.timedOut) throw new KubectlError('KUBECTL_TIMEOUT', `kubectl ${verb[0]} did not finish within ${Math.round(opts.timeoutMs / 1000)}s`, target.cluster);
    if (r.isCanceled) throw new KubectlError('KUBECTL_ABORTED', `kubectl ${verb[0]} was aborted`, target.cluster);
    const spawn = (r.cause as NodeJS.ErrnoException | undefined)?.code;
    if (spawn === 'ENOENT' || spawn === 'EACCES') throw new KubectlError('KUBECTL_NOT_FOUND', `cannot run kubectl at ${opts.kubectlPath} (${spawn})`, target.cluster);
    const stderr = String(r.stderr ?? '');
    const errorLines = stderr.split('\n').filter((l) => l.trim() !== '');
    if (tolerate && errorLines.length > 0 && errorLines.every((l) => tolerate.test(l))) return r.stdout;
    throw new KubectlError('KUBECTL_FAILED', summary(String(r.stderr ?? ''), target.kubeconfigPath), target.cluster);
  };
}

/** Each ref's labels in what `get -o json` printed (one object or a List), undefined for one not there. */
function labelsByRef(refs: readonly KubeObjectIdentity[], printed: string): Array<Record<string, string> | undefined> {
  if (printed.trim() === '') return refs.map(() => undefined);
  type Obj = { kind?: string; items?: Obj[]; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };
  const o = JSON.parse(printed) as Obj;
  const items = o.kind === 'List' ? (o.items ?? []) : [o];
  return refs.map((ref) => {
    const hit = items.find((i) => i.kind === ref.kind && i.metadata?.name === ref.name && (ref.namespace === undefined || i.metadata?.namespace === ref.namespace));
    return hit ? (hit.metadata?.labels ?? {}) : undefined;
  });
}

/** The labels of what `get -f -` printed: the object, or the one item of a List (kubectl's choice varies). */
function labelsOf(printed: unknown): Record<string, string> {
  type Obj = { kind?: string; items?: Obj[]; metadata?: { labels?: Record<string, string> } };
  const o = printed as Obj;
  const one = o.kind === 'List' ? o.items?.[0] : o;
  return one?.metadata?.labels ?? {};
}

function identity(ref: KubeObjectIdentity): Record<string, unknown> {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
}

/** A YAML stream of JSON documents: what `kubectl -f -` reads, in order. */
function stream(manifests: ReadonlyArray<Record<string, unknown>>): string {
  return manifests.map((m) => JSON.stringify(m)).join('\n---\n') + '\n';
}

/** kubectl's first error lines, bounded, without the kubeconfig path: what status and logs may show. */
function summary(stderr: string, kubeconfigPath: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3);
  const text = (lines.join('; ') || 'kubectl failed').replaceAll(kubeconfigPath, '<kubeconfig>');
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
