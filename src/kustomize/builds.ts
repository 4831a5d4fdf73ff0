// The kustomize builds of a cycle, with what they cost kept between cycles: a GitRepository's
// ref is resolved again once per `spec.interval` (Flux's own poll period; a failed poll keeps
// the last revision, as Flux keeps its artifact), a revision is checked out once, a tarball
// unpacked once, and a build's output is kept per (revision, path, components), so a quiet
// fleet runs no kubectl kustomize at all. Builds run one at a time: each is a child process.
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDuration } from '../model/duration.ts';
import type { FluxSource } from '../model/sources.ts';
import type { KustomizeBuilds, KustomizeOutput, KustomizeRequest, KustomizeSource } from '../model/ports.ts';
import type { GitHttpClient } from '../git/http.ts';
import { kustomizeBuild, type BuildOptions } from './build.ts';
import { readSourceFiles } from './source-files.ts';
import { checkoutGitRevision, pruneCheckouts, resolveGitRevision, SourceError, type ResolvedRevision } from '../git/flux-source.ts';
import { readSourceAuth } from '../git/source-credentials.ts';
import { readTarball, writeEntries } from './tarball.ts';

export interface KustomizeBuildsOptions {
  kubectlPath: string;
  /** Checkouts, unpacked tarballs and private build copies live here. */
  workDir: string;
  timeoutMs: number;
  /** Milliseconds now (tests move it to pass an interval). */
  now?: () => number;
  http?: GitHttpClient;
  /** Outputs kept (least recently used dropped first). */
  maxOutputs?: number;
}

const DEFAULT_INTERVAL_MS = 60_000;

interface Polled {
  revision: ResolvedRevision;
  at: number;
}

type SourceRoot = { root: string; revision: string };

export function createKustomizeBuilds(opts: KustomizeBuildsOptions): KustomizeBuilds {
  const outputs = new Map<string, KustomizeOutput>();
  const max = opts.maxOutputs ?? 512;
  const cacheDir = join(opts.workDir, 'sources');
  const buildDir = join(opts.workDir, 'builds');
  const gitCheckout = createGitCheckouts(opts, cacheDir);

  /** The source's folder and revision now, or why there is none. */
  const sourceRoot = (source: KustomizeSource, credentialsDir: string): Promise<SourceRoot> =>
    source.kind === 'ConfigMap' ? unpacked(source.tarball, join(cacheDir, 'configmaps')) : gitCheckout(source.flux, credentialsDir);

  return {
    async build(requests, { credentialsDir, signal }) {
      const results = new Map<string, KustomizeOutput>();
      const roots = new Map<string, Promise<SourceRoot>>();
      await mkdir(buildDir, { recursive: true });
      for (const req of requests) {
        if (results.has(req.key)) continue;
        const sourceKey = JSON.stringify(req.source);
        if (!roots.has(sourceKey)) roots.set(sourceKey, sourceRoot(req.source, credentialsDir));
        results.set(req.key, await outputOf(req, roots.get(sourceKey)!, signal));
      }
      return results;
    },
  };

  async function outputOf(req: KustomizeRequest, root: Promise<SourceRoot>, signal: AbortSignal | undefined): Promise<KustomizeOutput> {
    let src: SourceRoot;
    try {
      src = await root;
    } catch (err) {
      return { ok: false, error: `${sourceName(req.source)}: ${messageOf(err)}` };
    }
    const key = JSON.stringify([src.revision, req.mode ?? 'kustomize', req.path, req.components]);
    const hit = outputs.get(key);
    if (hit) {
      outputs.delete(key); // most recently used last
      outputs.set(key, hit);
      return hit;
    }
    const out = await buildOutput(req, src, { kubectlPath: opts.kubectlPath, workDir: buildDir, timeoutMs: opts.timeoutMs, ...(signal ? { signal } : {}) });
    if (!out.ok && signal?.aborted) return { ok: false, error: 'kustomize build aborted' }; // not kept: the next cycle builds it
    outputs.set(key, out);
    if (outputs.size > max) outputs.delete(outputs.keys().next().value!);
    return out;
  }
}

/**
 * A GitRepository's folder at its revision now: the ref resolved again once per `spec.interval`
 * (a failed poll keeps the last revision), each commit checked out once, a hostile one refused for good.
 */
function createGitCheckouts(opts: KustomizeBuildsOptions, cacheDir: string): (flux: FluxSource, credentialsDir: string) => Promise<SourceRoot> {
  const now = opts.now ?? Date.now;
  const polled = new Map<string, Polled>();
  /** Commits refused as hostile (a symlink out of the checkout), by `url commit`. */
  const unsafe = new Map<string, Error>();
  return async (flux, credentialsDir) => {
    const auth = flux.spec.secretRef ? await readSourceAuth(credentialsDir, flux.metadata.namespace, flux.spec.secretRef.name) : undefined;
    const git = { cacheDir, timeoutMs: timeoutOf(flux, opts.timeoutMs), ...(opts.http ? { http: opts.http } : {}) };
    const key = JSON.stringify([flux.spec.url, flux.spec.ref ?? {}]);
    const last = polled.get(key);
    let revision = last?.revision;
    if (!last || now() - last.at >= intervalOf(flux)) {
      try {
        revision = await resolveGitRevision(flux, auth, git);
        polled.set(key, { revision, at: now() });
      } catch (err) {
        if (!revision) throw err; // a failed poll keeps the last revision
      }
    }
    const refused = unsafe.get(`${flux.spec.url} ${revision!.commit}`);
    if (refused) throw refused; // a commit's content never changes: not fetched again
    const root = await checkoutGitRevision(flux, revision!, auth, git).catch((err: unknown) => {
      if (err instanceof SourceError && err.code === 'unsafe-checkout') unsafe.set(`${flux.spec.url} ${revision!.commit}`, err);
      if (err instanceof SourceError && err.code === 'fetch-failed') polled.delete(key); // the ref moved on: resolved again next cycle
      throw err;
    });
    if (revision !== last?.revision) await pruneCheckouts(flux.spec.url, cacheDir, revisionsOf(flux.spec.url, polled));
    return { root, revision: revision!.commit };
  };
}

/** One request's documents from its source's folder: the files as they are, or `kubectl kustomize`'s output. */
async function buildOutput(req: KustomizeRequest, src: SourceRoot, build: BuildOptions): Promise<KustomizeOutput> {
  try {
    const documents = req.mode === 'files' ? await readSourceFiles(src.root, req.path) : await kustomizeBuild(src.root, req.path, req.components, build);
    return { ok: true, revision: src.revision, documents };
  } catch (err) {
    return { ok: false, error: `${sourceName(req.source)}:${req.path}: ${messageOf(err)}` };
  }
}

/** A tarball unpacked once into `<dir>/<sha256>`; its hash is its revision. */
async function unpacked(base64: string, dir: string): Promise<SourceRoot> {
  const bytes = Buffer.from(base64, 'base64');
  const revision = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const root = join(dir, revision.slice('sha256:'.length));
  if ((await stat(root).catch(() => undefined))?.isDirectory()) return { root, revision };
  const entries = readTarball(bytes);
  const tmp = `${root}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await writeEntries(tmp, entries);
  await rename(tmp, root).catch(async (err: unknown) => {
    await rm(tmp, { recursive: true, force: true });
    if (!(await stat(root).catch(() => undefined))) throw err;
  });
  return { root, revision };
}

function intervalOf(flux: FluxSource): number {
  return Math.max(1000, (flux.spec.interval ? parseDuration(flux.spec.interval) : undefined) ?? DEFAULT_INTERVAL_MS);
}

function timeoutOf(flux: FluxSource, fallback: number): number {
  return (flux.spec.timeout ? parseDuration(flux.spec.timeout) : undefined) ?? fallback;
}

function revisionsOf(url: string, polled: ReadonlyMap<string, Polled>): Set<string> {
  const out = new Set<string>();
  for (const [key, p] of polled) if ((JSON.parse(key) as [string])[0] === url) out.add(p.revision.commit);
  return out;
}

function sourceName(s: KustomizeSource): string {
  return s.kind === 'ConfigMap' ? s.id.replace(/\/\//, '/') : `GitRepository/${s.flux.metadata.namespace}/${s.flux.metadata.name}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
