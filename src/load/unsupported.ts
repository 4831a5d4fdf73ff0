// Fields of a profile that gitset does not act on (yet). They validate, and are listed for the
// profile (loader info diagnostics, `gitset plan`, status) instead of being silently ignored.
import type { HelmChart, KustomizationRef, PolicyRef, ProfileObject } from '../model/objects.ts';
import { isActedOn } from './policy-refs.ts';
import { isBuiltKustomization, isFluxPolicyRef } from './kustomization-refs.ts';
import { unsupportedCheckField } from './validate-healths.ts';

/** Spec fields gitset acts on; everything else present in a profile's spec is unsupported. */
const SUPPORTED_SPEC = new Set([
  'clusterSelector',
  'clusterRefs',
  'setRefs',
  'helmCharts',
  'policyRefs',
  'kustomizationRefs',
  'syncMode',
  'stopMatchingBehavior',
  'driftExclusions',
  'tier',
  'maxUpdate',
  'patches',
  'patchesFrom',
  'reloader',
  'templateResourceRefs',
  'dependsOn',
  'continueOnConflict',
  'validateHealths',
]);

const SUPPORTED_CHART = new Set([
  'repositoryURL',
  'repositoryName',
  'chartName',
  'chartVersion',
  'releaseName',
  'releaseNamespace',
  'helmChartAction',
  'values',
  'options',
  'valuesFrom',
  'registryCredentialsConfig',
  'provenanceVerification',
]);

const SUPPORTED_OPTIONS = new Set([
  'skipCRDs',
  'disableHooks',
  'wait',
  'waitForJobs',
  'timeout',
  'atomic',
  'createNamespace',
  'dependencyUpdate',
  'labels',
  'description',
  'runTests',
  'installOptions',
  'upgradeOptions',
  'uninstallOptions',
  'disableOpenAPIValidation',
]);

/** Why a release whose entry asks for cosign verification fails instead of being installed. */
export const SIGNATURE_UNSUPPORTED =
  'gitset cannot verify cosign signatures (no cosign here), and a chart that asks to be verified is never installed unverified: the release fails; use provenanceVerification (helm --verify) or remove the field';

/** Unsupported fields that make the release fail rather than be ignored (a warning, not an info), with why. */
export function refusedField(field: string): string | undefined {
  return /^spec\.helmCharts\[\d+\]\.signatureVerification$/.test(field) ? SIGNATURE_UNSUPPORTED : undefined;
}
// enableClientCache (Sveltos' own Kubernetes client cache) has no helm CLI equivalent, and
// recoverAfterConsecutiveFailures and upgradeCRDs are Sveltos' own steps around helm: listed.
const SUPPORTED_PHASE_OPTIONS: Readonly<Record<string, ReadonlySet<string>>> = {
  installOptions: new Set(['createNamespace', 'replace', 'disableHooks', 'takeOwnership']),
  upgradeOptions: new Set(['force', 'resetValues', 'reuseValues', 'resetThenReuseValues', 'maxHistory', 'cleanupOnFail', 'subNotes', 'description', 'disableHooks', 'takeOwnership']),
  uninstallOptions: new Set(['keepHistory', 'deletionPropagation', 'description', 'disableHooks']),
};

/** A value that asks for nothing (`reloader: false`, `policyRefs: []`) is not worth a mention. */
function asksForSomething(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/**
 * Dotted paths of the fields of `profile` gitset does not act on, in spec order, e.g.
 * `spec.policyRefs`, `spec.helmCharts[0].valuesFrom`.
 */
export function unsupportedFields(profile: Pick<ProfileObject, 'spec'>): string[] {
  const out: string[] = [];
  const spec = profile.spec ?? {};
  for (const [field, value] of Object.entries(spec)) {
    if (!SUPPORTED_SPEC.has(field) && asksForSomething(value)) out.push(`spec.${field}`);
  }
  // ConfigMap/Secret entries are applied; Flux sources and Local ones are not (yet).
  ((spec.policyRefs ?? []) as PolicyRef[]).forEach((ref, i) => {
    if (!isActedOn(ref) && !isFluxPolicyRef(ref)) out.push(`spec.policyRefs[${i}]`);
  });
  out.push(...unsupportedKustomizationFields(spec.kustomizationRefs));
  // Lua and CEL checks of the helm feature are run; jobCheck, metrics and other features are not (yet).
  (Array.isArray(spec.validateHealths) ? spec.validateHealths : []).forEach((check, i) => {
    const field = unsupportedCheckField(check);
    if (field !== undefined) out.push(`spec.validateHealths[${i}].${field}`);
  });
  (spec.helmCharts ?? []).forEach((chart: HelmChart, i) => {
    for (const [field, value] of Object.entries(chart)) {
      if (!SUPPORTED_CHART.has(field) && asksForSomething(value)) out.push(`spec.helmCharts[${i}].${field}`);
    }
    for (const [field, value] of Object.entries(chart.options ?? {})) {
      if (!SUPPORTED_OPTIONS.has(field) && asksForSomething(value)) out.push(`spec.helmCharts[${i}].options.${field}`);
      const known = SUPPORTED_PHASE_OPTIONS[field];
      if (!known || value === null || typeof value !== 'object') continue;
      for (const [sub, v] of Object.entries(value)) {
        if (!known.has(sub) && asksForSomething(v)) out.push(`spec.helmCharts[${i}].options.${field}.${sub}`);
      }
    }
  });
  return out;
}

/** Fields of a kustomizationRefs entry gitset builds and applies. */
const SUPPORTED_KUSTOMIZATION = new Set(['kind', 'name', 'namespace', 'path', 'components', 'targetNamespace', 'deploymentType', 'values', 'valuesFrom', 'tier', 'optional']);

/** Entries gitset does not build (Flux kinds other than GitRepository, Local), and unsupported fields of those it does. */
function unsupportedKustomizationFields(refs: unknown): string[] {
  if (!Array.isArray(refs)) return [];
  const out: string[] = [];
  refs.forEach((ref: KustomizationRef, i) => {
    if (!ref || typeof ref !== 'object' || !isBuiltKustomization(ref)) {
      out.push(`spec.kustomizationRefs[${i}]`);
      return;
    }
    for (const [field, value] of Object.entries(ref)) {
      if (!SUPPORTED_KUSTOMIZATION.has(field) && asksForSomething(value)) out.push(`spec.kustomizationRefs[${i}].${field}`);
    }
  });
  return out;
}
