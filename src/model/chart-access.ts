// How helm reaches and verifies a chart (Sveltos' registryCredentialsConfig and
// provenanceVerification), as references to Secrets in gitset's credentials folder.

/**
 * A Secret Sveltos would read on the management cluster, namespace resolved: gitset reads it from
 * the credentials folder (`DIR/<namespace>/<name>/<key>` or `DIR/<namespace>.<name>.<key>`), never
 * from Git. Without `key`, the Secret's only key: `DIR/<namespace>/<name>` itself, or the one file
 * in that folder.
 */
export interface SecretFileRef {
  namespace: string;
  name: string;
  key?: string;
}

/** Sveltos' registryCredentialsConfig and provenanceVerification, as helm's flags need them. */
export interface ChartAccess {
  /** Registry config (Docker config JSON): helm `--registry-config`. */
  credentials?: SecretFileRef;
  /** CA bundle (key `ca.crt`): helm `--ca-file`. */
  ca?: SecretFileRef;
  insecureSkipTLSVerify?: boolean;
  plainHTTP?: boolean;
  /** GPG keyring (key `keyring.gpg`): helm `--verify --keyring`. */
  keyring?: SecretFileRef;
}
