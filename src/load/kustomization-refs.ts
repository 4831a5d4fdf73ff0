// Repository-wide checks of `kustomizationRefs`: each entry names a Flux GitRepository or a
// ConfigMap holding `kustomize.tar.gz` that is defined in the repository (there is no management
// cluster to find it on), with a path and components that stay inside the source.
import { posix } from 'node:path';
import type { Diagnostic } from '../model/diagnostics.ts';
import { objectId, type KustomizationRef, type ProfileObject } from '../model/objects.ts';
import { contentSourceId, type ContentSource, type FluxSource } from '../model/sources.ts';
import { fluxSourceId } from './flux-sources.ts';
import { policyRefNamespace } from './policy-refs.ts';

/** The key of a ConfigMap's binaryData Sveltos reads a kustomization's files from. */
export const KUSTOMIZE_TARBALL_KEY = 'kustomize.tar.gz';

/** Whether gitset builds this entry: a GitRepository or ConfigMap, deployed to the matched clusters, without valuesFrom. */
export function isBuiltKustomization(ref: Pick<KustomizationRef, 'kind' | 'deploymentType'>): boolean {
  return (ref.kind === 'GitRepository' || ref.kind === 'ConfigMap') && (ref.deploymentType ?? 'Remote') === 'Remote';
}

/** Whether gitset reads this policyRefs entry from a Flux source: a GitRepository deployed to the matched clusters. */
export function isFluxPolicyRef(ref: Pick<KustomizationRef, 'kind' | 'deploymentType'>): boolean {
  return ref.kind === 'GitRepository' && (ref.deploymentType ?? 'Remote') === 'Remote';
}

/** Why a repository-relative path in a source leads out of it (absolute, or `..` above its root), or undefined. */
export function whyNotInside(path: string, base = '.'): string | undefined {
  if (path.includes('\0')) return 'holds a NUL character';
  if (posix.isAbsolute(path) || /^[A-Za-z]:/.test(path)) return 'must be relative to the source root';
  const joined = posix.normalize(posix.join(base, path));
  if (joined === '..' || joined.startsWith('../')) return 'leads out of the source (..)';
  return undefined;
}

function isTemplated(text: string | undefined): boolean {
  return (text ?? '').includes('{{');
}

/** What the entry's fields are, as the CRD would check them; problems as [field, message]. */
function shapeProblems(ref: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const str = (f: string): void => {
    if (ref[f] !== undefined && typeof ref[f] !== 'string') out.push([f, 'must be a string']);
  };
  ['kind', 'name', 'namespace', 'path', 'targetNamespace'].forEach(str);
  if (typeof ref.kind !== 'string' || !['GitRepository', 'OCIRepository', 'Bucket', 'ConfigMap', 'Secret'].includes(ref.kind)) out.push(['kind', 'must be GitRepository, OCIRepository, Bucket, ConfigMap or Secret']);
  if (typeof ref.name !== 'string' || ref.name === '') out.push(['name', 'is required']);
  if (ref.deploymentType !== undefined && ref.deploymentType !== 'Remote' && ref.deploymentType !== 'Local') out.push(['deploymentType', 'must be Remote or Local']);
  if (ref.components !== undefined && (!Array.isArray(ref.components) || ref.components.some((c) => typeof c !== 'string'))) out.push(['components', 'must be a list of paths']);
  const values = ref.values;
  if (values !== undefined && (!values || typeof values !== 'object' || Array.isArray(values) || Object.values(values).some((v) => typeof v !== 'string'))) out.push(['values', 'must map names to strings']);
  if (typeof ref.targetNamespace === 'string' && ref.targetNamespace !== '' && !isTemplated(ref.targetNamespace) && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ref.targetNamespace)) out.push(['targetNamespace', 'must be a namespace name (DNS-1123 label)']);
  if (typeof ref.path === 'string' && !isTemplated(ref.path)) {
    const why = whyNotInside(ref.path);
    if (why) out.push(['path', why]);
  }
  if (Array.isArray(ref.components) && typeof ref.path === 'string' && !isTemplated(ref.path)) {
    ref.components.forEach((c, i) => {
      const why = typeof c === 'string' && !isTemplated(c) ? whyNotInside(c, ref.path as string) : undefined;
      if (why) out.push([`components[${i}]`, why]);
    });
  }
  return out;
}

export function checkKustomizationRefs(profiles: readonly ProfileObject[], sources: readonly ContentSource[], fluxSources: readonly FluxSource[]): Diagnostic[] {
  const configMaps = new Set(sources.filter((s) => s.kind === 'ConfigMap').map((s) => contentSourceId({ kind: 'ConfigMap', namespace: s.metadata.namespace, name: s.metadata.name })));
  const withTarball = new Set(sources.filter((s) => s.binaryData?.[KUSTOMIZE_TARBALL_KEY] !== undefined).map((s) => contentSourceId({ kind: s.kind, namespace: s.metadata.namespace, name: s.metadata.name })));
  const flux = new Map(fluxSources.map((s) => [fluxSourceId({ kind: s.kind, ...s.metadata }), s]));
  const out: Diagnostic[] = [];
  for (const profile of profiles) out.push(...checkFluxPolicyRefs(profile, flux));
  for (const profile of profiles) {
    const id = objectId(profile);
    ((profile.spec.kustomizationRefs ?? []) as unknown[]).forEach((raw, i) => {
      const field = `spec.kustomizationRefs[${i}]`;
      const at = (f?: string) => (f ? (profile.fieldSources?.[`${field}.${f}`] ?? profile.fieldSources?.[`${field}.${f.replace(/\[\d+\]$/, '')}`]) : undefined) ?? profile.fieldSources?.[field] ?? profile.source;
      const push = (severity: Diagnostic['severity'], code: Diagnostic['code'], f: string | undefined, message: string): void => {
        out.push({ ...at(f), severity, code, message: `${id}: ${f ? `${field}.${f}` : field} ${message}`, field: f ? `${field}.${f}` : field, object: id });
      };
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return push('error', 'bad-kustomization-ref', undefined, 'must be a mapping');
      const problems = shapeProblems(raw as Record<string, unknown>);
      for (const [f, message] of problems) push('error', 'bad-kustomization-ref', f, message);
      if (problems.length > 0) return;
      const ref = raw as KustomizationRef;
      if (ref.deploymentType === 'Local') return push('warning', 'unsupported-field', 'deploymentType', 'is Local: gitset has no management cluster to deploy to; this entry is not applied');
      if (!isBuiltKustomization(ref)) return push('warning', 'unsupported-field', 'kind', `is ${ref.kind}: gitset builds kustomizations from a Flux GitRepository or a ConfigMap's ${KUSTOMIZE_TARBALL_KEY} only; this entry is not applied`);
      if (isTemplated(ref.name) || isTemplated(ref.namespace)) return; // rendered and looked up per cluster
      const namespace = policyRefNamespace(ref, profile);
      if (namespace === undefined) {
        const anywhere = ref.kind === 'ConfigMap' ? [...configMaps].some((k) => k.endsWith(`/${ref.name}`)) : fluxSources.some((s) => s.kind === ref.kind && s.metadata.name === ref.name);
        if (!anywhere && ref.optional !== true) push('error', 'dangling-kustomization-ref', undefined, `names ${ref.kind} ${ref.name} in each matched cluster's namespace (no namespace given), and no namespace of the repository has one`);
        return;
      }
      const target = ref.kind === 'ConfigMap' ? contentSourceId({ kind: 'ConfigMap', namespace, name: ref.name }) : fluxSourceId({ kind: ref.kind, namespace, name: ref.name });
      const known = ref.kind === 'ConfigMap' ? configMaps.has(target) : flux.has(target);
      if (!known) {
        if (ref.optional !== true) push('error', 'dangling-kustomization-ref', undefined, `names ${target}, which is not defined in the repository (a ${ref.kind} with that namespace and name)`);
        return;
      }
      if (ref.kind === 'ConfigMap' && !withTarball.has(target)) push('error', 'bad-kustomization-ref', undefined, `names ${target}, which has no binaryData key ${KUSTOMIZE_TARBALL_KEY} (the kustomization's folder as a tar.gz, as Sveltos reads it)`);
    });
  }
  return out;
}

/** policyRefs entries naming a Flux GitRepository: it is in the repository, and the path stays inside it. */
function checkFluxPolicyRefs(profile: ProfileObject, flux: ReadonlyMap<string, FluxSource>): Diagnostic[] {
  const id = objectId(profile);
  const out: Diagnostic[] = [];
  ((profile.spec.policyRefs ?? []) as KustomizationRef[]).forEach((ref, i) => {
    if (!isFluxPolicyRef(ref) || typeof ref.name !== 'string' || isTemplated(ref.name) || isTemplated(ref.namespace)) return;
    const field = `spec.policyRefs[${i}]`;
    const pos = profile.fieldSources?.[field] ?? profile.source;
    const why = typeof ref.path === 'string' && !isTemplated(ref.path) ? whyNotInside(ref.path) : undefined;
    if (why) out.push({ ...pos, severity: 'error', code: 'bad-policy-content', message: `${id}: ${field}.path ${why}`, field: `${field}.path`, object: id });
    const namespace = policyRefNamespace(ref, profile);
    const known = namespace === undefined ? [...flux.values()].some((s) => s.kind === ref.kind && s.metadata.name === ref.name) : flux.has(fluxSourceId({ kind: ref.kind, namespace, name: ref.name }));
    if (known || ref.optional === true) return;
    const target = namespace === undefined ? `${ref.kind} ${ref.name} in any namespace` : fluxSourceId({ kind: ref.kind, namespace, name: ref.name });
    out.push({ ...pos, severity: 'error', code: 'dangling-policy-ref', message: `${id}: ${field} names ${target}, which is not defined in the repository`, field, object: id });
  });
  return out;
}
