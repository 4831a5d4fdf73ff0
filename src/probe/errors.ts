// Typed errors of reaching a cluster. Their messages end up in a cluster's `failureMessage`,
// committed to Git: they name files relative to the credentials directory and kubeconfig
// fields, never their content.

/** Why the kubeconfig file of a cluster could not be located. */
export type CredentialsErrorCode =
  /** A name from the repository would leave the credentials directory (`..`, absolute, symlink out). */
  | 'path-escape'
  | 'kubeconfig-not-found'
  | 'kubeconfig-unreadable'
  /** A Secret a helm chart entry names (registry credentials, CA, keyring) has no file there. */
  | 'secret-file-not-found';

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
  /** auth-provider, an exec apiVersion other than v1/v1beta1, a socks5 proxy-url. */
  | 'unsupported-auth'
  /** A malformed `exec` section (no command, bad env, v1 without interactiveMode). */
  | 'exec-config-invalid'
  /** proxy-url is not a URL, or not of a scheme gitset speaks. */
  | 'proxy-invalid'
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

/** Why an exec credential plugin gave no credential; the message names the kubeconfig field. */
export type ExecPluginErrorCode = 'exec-not-found' | 'exec-failed' | 'exec-timeout' | 'exec-output-invalid';

export class ExecPluginError extends Error {
  override readonly name = 'ExecPluginError';
  constructor(
    readonly code: ExecPluginErrorCode,
    message: string,
  ) {
    super(message);
  }
}
