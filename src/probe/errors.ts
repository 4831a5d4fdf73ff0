// Typed errors of reaching a cluster. Their messages end up in a cluster's `failureMessage`,
// committed to Git: they name files relative to the credentials directory and kubeconfig
// fields, never their content.

/** Why the kubeconfig file of a cluster could not be located. */
export type CredentialsErrorCode =
  /** A name from the repository would leave the credentials directory (`..`, absolute, symlink out). */
  | 'path-escape'
  | 'kubeconfig-not-found'
  | 'kubeconfig-unreadable';

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  constructor(
    readonly code: CredentialsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Why a kubeconfig that was found cannot be used to reach its cluster. */
export type KubeconfigErrorCode =
  | 'kubeconfig-syntax'
  | 'context-not-found'
  | 'cluster-not-found'
  | 'user-not-found'
  | 'server-missing'
  | 'server-invalid'
  /** exec plugins, auth-provider, proxy-url: gitset only speaks plain TLS + token/basic/client cert. */
  | 'unsupported-auth'
  /** certificate-authority, client-certificate, client-key or tokenFile could not be read. */
  | 'referenced-file-unreadable'
  /** A certificate or key is not valid PEM, or the key does not match the certificate. */
  | 'tls-material-invalid';

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
  constructor(
    readonly code: KubeconfigErrorCode,
    message: string,
  ) {
    super(message);
  }
}
