// A diagnostic is a finding about the repository a person can act on: where, how bad, what.
import type { SourcePos } from './objects.ts';

export type Severity = 'error' | 'warning' | 'info';

/** Closed vocabulary of what can be wrong; tests branch on these, not on message text. */
export type DiagnosticCode =
  | 'yaml-syntax'
  | 'schema'
  | 'unknown-kind'
  | 'duplicate-object'
  | 'dangling-set-ref'
  | 'dangling-cluster-ref'
  | 'cross-namespace-ref'
  | 'selector-syntax'
  | 'max-replicas-zero'
  | 'empty-selector'
  | 'unsupported-field'
  | 'bad-annotation'
  | 'read-error'
  /** A templated helmCharts field or policyRefs entry that does not parse, or fails for a cluster it can reach (validate, plan). */
  | 'template'
  /** A helmCharts source that --allowed-chart-repos does not allow. */
  | 'chart-repo-not-allowed'
  /** policyRefs: a ConfigMap/Secret named that is not in the repository, or content gitset cannot apply. */
  | 'dangling-policy-ref'
  | 'bad-policy-content'
  /** helmCharts[].valuesFrom: a ConfigMap/Secret named that is not in the repository, or data that is not helm values. */
  | 'dangling-values-from'
  | 'bad-values-content'
  /** kustomizationRefs: a source named that is not in the repository, or an entry gitset cannot build. */
  | 'dangling-kustomization-ref'
  | 'bad-kustomization-ref'
  /** A Flux source object (GitRepository, OCIRepository) gitset cannot fetch as written. */
  | 'bad-flux-source'
  /** patches/patchesFrom: a patch that does not parse, a bad target, a failing template or a missing source (validate, plan). */
  | 'bad-patch'
  /** templateResourceRefs: an object named that is not in the repository (and not optional). */
  | 'dangling-resource-ref'
  /** dependsOn: a name that is no profile of the same kind (and namespace), or a dependency cycle. */
  | 'dangling-depends-on'
  | 'depends-on-cycle'
  /** validateHealths: a CEL rule that does not parse, a check that names nothing to check. */
  | 'bad-health-check'
  /** ClusterPromotion: a cluster matched by two stages (it belongs to the first). */
  | 'stage-overlap'
  /** Status files: reports only, never errors (the clusters are the truth). */
  | 'status-unreadable'
  | 'status-unknown-object'
  | 'status-misplaced';

export interface Diagnostic extends SourcePos {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  /** Dotted path of the field concerned, e.g. `spec.helmCharts[0].chartName`. */
  field?: string;
  /** The object concerned, as `objectId` renders it, when there is one. */
  object?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col} ${d.severity} ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
