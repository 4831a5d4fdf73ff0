// The patches of one profile for one cluster, as Sveltos gathers them (instantiatedPatches): every
// `patches` entry, its text rendered as a template for the cluster; then the data keys of the
// ConfigMaps/Secrets `patchesFrom` names (names and namespaces may be templates; a missing one is
// an error unless `optional`), each key holding one `{patch, target}` in YAML, rendered when the
// source is annotated `projectsveltos.io/template`. Sveltos puts the templated sources' keys
// before the plain ones, each group in entry then key order; so does gitset. Pure.
import { parse } from 'yaml';
import { policyRefNamespace } from '../load/policy-refs.ts';
import { type ProfileObject } from '../model/objects.ts';
import { contentSourceId, type ContentSource } from '../model/sources.ts';
import { compilePatch, type CompiledPatch, type Patch } from '../patch/apply.ts';
import { compileTemplate, type TemplateCluster } from './template.ts';

/** One `patchesFrom` entry (Sveltos' ValueFrom). */
export interface PatchesFromRef {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  namespace?: string;
  optional?: boolean;
}

export interface ProfilePatches {
  /** The patches as rendered for the cluster: what the helm post-renderer is given and hashed. */
  patches: Patch[];
  compiled: CompiledPatch[];
  /** Why the patches cannot be had for this cluster; nothing may be deployed unpatched then. */
  error?: string;
}

type Profile = Pick<ProfileObject, 'metadata' | 'spec'>;

const NONE: ProfilePatches = Object.freeze({ patches: [], compiled: [] }) as ProfilePatches;

export function hasPatches(profile: Pick<ProfileObject, 'spec'>): boolean {
  return listOf(profile.spec.patches).length > 0 || listOf(profile.spec.patchesFrom).length > 0;
}

/**
 * Whether the patches can differ from one cluster to another: a templated patch text, a templated
 * or cluster-namespaced patchesFrom entry, or a templated source. When not, one result serves all.
 */
export function patchesVaryByCluster(profile: Profile, sources: ReadonlyMap<string, ContentSource>): boolean {
  if (listOf(profile.spec.patches).some((p) => typeof (p as Patch)?.patch === 'string' && (p as Patch).patch.includes('{{'))) return true;
  return listOf(profile.spec.patchesFrom).some((raw) => {
    const ref = raw as PatchesFromRef;
    if (typeof ref?.name !== 'string' || ref.name.includes('{{') || (ref.namespace ?? '').includes('{{')) return true;
    const namespace = policyRefNamespace(ref, profile);
    if (namespace === undefined) return true;
    return sources.get(contentSourceId({ kind: ref.kind, namespace, name: ref.name }))?.templated === true;
  });
}

export function profilePatches(profile: Profile, cluster: TemplateCluster, sources: ReadonlyMap<string, ContentSource>): ProfilePatches {
  if (!hasPatches(profile)) return NONE;
  try {
    const inline = listOf(profile.spec.patches).map((raw, i) => fromEntry(raw, cluster, `patches[${i}]`));
    const templated: Entry[] = [];
    const plain: Entry[] = [];
    listOf(profile.spec.patchesFrom).forEach((raw, i) => {
      const source = patchSource(raw as PatchesFromRef, profile, cluster, sources, `patchesFrom[${i}]`);
      if (!source) return;
      for (const [key, text] of Object.entries(source.data)) {
        const where = `patchesFrom[${i}] ${contentSourceId({ kind: source.kind, namespace: source.metadata.namespace, name: source.metadata.name })} key ${JSON.stringify(key)}`;
        (source.templated ? templated : plain).push(fromKey(text, source, cluster, where));
      }
    });
    const all = [...inline, ...templated, ...plain];
    return { patches: all.map((e) => e.patch), compiled: all.map((e) => e.compiled) };
  } catch (err) {
    return { patches: [], compiled: [], error: (err as Error).message };
  }
}

interface Entry {
  patch: Patch;
  compiled: CompiledPatch;
}

function fromEntry(raw: unknown, cluster: TemplateCluster, where: string): Entry {
  const entry = raw as Record<string, unknown>;
  if (!entry || typeof entry !== 'object' || typeof entry.patch !== 'string') throw new Error(`${where}.patch: must be a string`);
  let text = entry.patch;
  try {
    if (text.includes('{{')) text = compileTemplate(text).render(cluster);
  } catch (err) {
    throw new Error(`${where}.patch: ${(err as Error).message}`);
  }
  return compiled({ ...entry, patch: text }, where);
}

function fromKey(text: string, source: ContentSource, cluster: TemplateCluster, where: string): Entry {
  // A Secret's content never reaches a message: only where it failed.
  const secret = source.kind === 'Secret';
  let raw: unknown;
  try {
    raw = parse(source.templated ? compileTemplate(text).render(cluster) : text, { prettyErrors: false, maxAliasCount: 100 });
  } catch (err) {
    throw new Error(`${where}: ${secret ? 'cannot be rendered or parsed' : (err as Error).message.split('\n')[0]}`);
  }
  try {
    return compiled(raw, where);
  } catch (err) {
    throw new Error(secret ? `${where}: not a valid patch` : (err as Error).message);
  }
}

function compiled(raw: unknown, where: string): Entry {
  try {
    const c = compilePatch(raw);
    const { patch, target } = raw as Patch;
    return { patch: target ? { patch, target } : { patch }, compiled: c };
  } catch (err) {
    const field = (err as { field?: string }).field;
    throw new Error(`${where}${field ? `.${field}` : ''}: ${(err as Error).message}`);
  }
}

function patchSource(ref: PatchesFromRef, profile: Profile, cluster: TemplateCluster, sources: ReadonlyMap<string, ContentSource>, where: string): ContentSource | undefined {
  if (!ref || (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret') || typeof ref.name !== 'string') throw new Error(`${where}: kind must be ConfigMap or Secret, with a name`);
  let name = ref.name;
  let namespace = ref.namespace;
  try {
    if (name.includes('{{')) name = compileTemplate(name).render(cluster);
    if (namespace?.includes('{{')) namespace = compileTemplate(namespace).render(cluster);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  const id = contentSourceId({ kind: ref.kind, namespace: policyRefNamespace({ ...ref, name, ...(namespace ? { namespace } : {}) }, profile, cluster), name });
  const source = sources.get(id);
  if (!source && ref.optional !== true) throw new Error(`${where}: ${id} is not in the repository`);
  return source;
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
