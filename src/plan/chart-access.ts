// How helm reaches and verifies one helmCharts entry's chart, from Sveltos' fields:
// `registryCredentialsConfig` (registry config, CA, insecureSkipTLSVerify, plainHTTP) and
// `provenanceVerification` (a GPG keyring). The Secrets they name are files in gitset's credentials
// folder, never in Git; here only their names are resolved (namespace rule as for policyRefs), the
// helm adapter finds the files. `signatureVerification` (cosign) is refused: a chart that must be
// verified is never installed unverified.
import type { HelmChart, ProfileObject } from '../model/objects.ts';
import type { ChartAccess, SecretFileRef } from '../model/chart-access.ts';
import { policyRefNamespace } from '../load/policy-refs.ts';
import { SIGNATURE_UNSUPPORTED } from '../load/unsupported.ts';
import type { TemplateCluster } from './template.ts';

/** The keys Sveltos reads from the CA and keyring Secrets. */
export const CA_KEY = 'ca.crt';
export const KEYRING_KEY = 'keyring.gpg';

interface SecretReference {
  name?: unknown;
  namespace?: unknown;
}

type Profile = Pick<ProfileObject, 'metadata'>;

/** The entry's chart access for `cluster` (no `access` when it asks for none), or why the release cannot be installed. */
export function chartAccessFor(chart: HelmChart, profile: Profile, cluster: TemplateCluster): { access?: ChartAccess; error?: string } {
  if (asksFor(chart.signatureVerification)) return { error: `signatureVerification: ${SIGNATURE_UNSUPPORTED}` };
  const reg = (chart.registryCredentialsConfig ?? {}) as Record<string, unknown>;
  const verify = (chart.provenanceVerification ?? {}) as { keyringSecretRef?: SecretReference };
  const access: ChartAccess = {};
  const key = typeof reg.key === 'string' && reg.key !== '' ? reg.key : undefined;
  const credentials = secretRef(reg.credentials as SecretReference | undefined, key, profile, cluster);
  const ca = secretRef(reg.ca as SecretReference | undefined, CA_KEY, profile, cluster);
  const keyring = secretRef(verify.keyringSecretRef, KEYRING_KEY, profile, cluster);
  if (credentials) access.credentials = credentials;
  if (ca) access.ca = ca;
  if (reg.insecureSkipTLSVerify === true) access.insecureSkipTLSVerify = true;
  if (reg.plainHTTP === true) access.plainHTTP = true;
  if (keyring) access.keyring = keyring;
  if (asksFor(chart.provenanceVerification) && !keyring) return { error: 'provenanceVerification: keyringSecretRef.name is required' };
  return Object.keys(access).length > 0 ? { access } : {};
}

/** Whether the entry's chart access can differ between clusters (a Secret in the cluster's namespace). */
export function chartAccessUsesCluster(chart: HelmChart, profile: Profile): boolean {
  const reg = (chart.registryCredentialsConfig ?? {}) as Record<string, SecretReference | undefined>;
  const verify = (chart.provenanceVerification ?? {}) as { keyringSecretRef?: SecretReference };
  const inClusterNamespace = (r: SecretReference | undefined): boolean =>
    !!r && typeof r === 'object' && !profile.metadata.namespace && !(typeof r.namespace === 'string' && r.namespace !== '');
  return [reg.credentials, reg.ca, verify.keyringSecretRef].some(inClusterNamespace);
}

/** Whether the entry names anything gitset resolves here. */
export function asksForChartAccess(chart: HelmChart): boolean {
  return asksFor(chart.registryCredentialsConfig) || asksFor(chart.provenanceVerification) || asksFor(chart.signatureVerification);
}

function secretRef(ref: SecretReference | undefined, key: string | undefined, profile: Profile, cluster: TemplateCluster): SecretFileRef | undefined {
  if (!ref || typeof ref !== 'object' || typeof ref.name !== 'string' || ref.name === '') return undefined;
  const namespace = policyRefNamespace({ kind: 'Secret', name: ref.name, ...(typeof ref.namespace === 'string' && ref.namespace !== '' ? { namespace: ref.namespace } : {}) }, profile, cluster) ?? '';
  return { namespace, name: ref.name, ...(key !== undefined ? { key } : {}) };
}

function asksFor(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && !(typeof value === 'object' && Object.keys(value).length === 0);
}
