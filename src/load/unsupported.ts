// Fields of a profile that gitset does not act on (yet). They validate, and are listed for the
// profile (loader info diagnostics, `gitset plan`, status) instead of being silently ignored.
import type { HelmChart, PolicyRef, ProfileObject } from '../model/objects.ts';
import { isActedOn } from './policy-refs.ts';
import { unsupportedCheckField } from './validate-healths.ts';

/** Spec fields gitset acts on; everything else present in a profile's spec is unsupported. */
const SUPPORTED_SPEC = new Set([
  'clusterSelector',
  'clusterRefs',
  'setRefs',
  'helmCharts',
  'policyRefs',
  'syncMode',
  'stopMatchingBehavior',
  'driftExclusions',
  'tier',
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
  'enableClientCache',
  'description',
  'installOptions',
  'upgradeOptions',
  'uninstallOptions',
  'disableOpenAPIValidation',
]);

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
    if (!isActedOn(ref)) out.push(`spec.policyRefs[${i}]`);
  });
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
    }
  });
  return out;
}
