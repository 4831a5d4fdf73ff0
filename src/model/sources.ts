// The repository's content sources: Flux source objects gitset fetches itself, and the ConfigMaps
// and Secrets policyRefs, kustomizationRefs and valuesFrom read. Plain types, as the loader hands
// them on.
import type { SourcePos } from './objects.ts';

export type FluxSourceKind = 'GitRepository' | 'OCIRepository';

/** Flux's GitRepository `spec.ref`: the first of commit, name, semver, tag, branch that is set wins. */
export interface FluxGitRef {
  branch?: string;
  tag?: string;
  semver?: string;
  name?: string;
  commit?: string;
}

/** A Flux source object of the repository (source.toolkit.fluxcd.io), which gitset fetches itself. */
export interface FluxSource {
  kind: FluxSourceKind;
  apiVersion: string;
  metadata: { name: string; namespace: string };
  /** Annotated `projectsveltos.io/template`: files read through policyRefs are rendered per cluster. */
  templated?: boolean;
  spec: { url: string; ref?: FluxGitRef; secretRef?: { name: string }; interval?: string; timeout?: string };
  source: SourcePos;
  /** Where `spec.url` is written, for the source allow-list's error. */
  urlSource?: SourcePos;
}

export type ContentSourceKind = 'ConfigMap' | 'Secret';

/**
 * A ConfigMap or Secret of the repository that `policyRefs` can name: each data key holds one or
 * more YAML or JSON manifests. Secret data arrives decoded; it is never logged nor written to status.
 */
export interface ContentSource {
  kind: ContentSourceKind;
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  /** Decoded text of every data key, keys sorted. */
  data: Readonly<Record<string, string>>;
  /** A ConfigMap's `binaryData`, base64 as written (kustomizationRefs read `kustomize.tar.gz` from it). */
  binaryData?: Readonly<Record<string, string>>;
  /** Annotated `projectsveltos.io/template`: each key is rendered per cluster before it is parsed. */
  templated: boolean;
  source: SourcePos;
  /** Position of each data key, for diagnostics about its content. */
  keySources: Readonly<Record<string, SourcePos>>;
}

/** `ConfigMap/ns/name`: the key sources are found by. */
export function contentSourceId(ref: { kind: string; namespace?: string; name: string }): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}
