// The environment a kubeconfig exec credential plugin runs with, the same whether the prober or
// helm runs it: the basics (PATH, HOME, proxies, TLS roots) and the variables cloud SDKs read
// their own credentials from (IRSA's AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, workload
// identity's AZURE_*, GOOGLE_APPLICATION_CREDENTIALS). Nothing else of gitset's environment,
// such as GITSET_GIT_TOKEN, reaches a plugin, and no secret by its name (AWS_SECRET_ACCESS_KEY,
// AZURE_CLIENT_SECRET, AWS_SESSION_TOKEN): those that a plugin needs belong in the kubeconfig's
// `exec.env`, kept with the kubeconfig in the credentials directory. Token *files* do pass.

export const PLUGIN_PASS_ENV: readonly string[] = [
  'PATH', 'HOME', 'USER', 'TMPDIR', 'LANG', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
];

/** Prefixes of the variables cloud credential plugins read. */
export const PLUGIN_PASS_PREFIXES: readonly string[] = ['AWS_', 'AZURE_', 'ARM_', 'GOOGLE_', 'CLOUDSDK_', 'GCE_', 'KUBELOGIN_', 'OCI_'];

/** AWS_SECRET_ACCESS_KEY, AZURE_CLIENT_SECRET, ARM_CLIENT_PASSWORD, AWS_SESSION_TOKEN; not AWS_WEB_IDENTITY_TOKEN_FILE. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN$|_KEY$/;

/** The variables of `parent` a plugin sees, named in `names` or starting with a credential prefix. */
export function pluginEnvironment(parent: NodeJS.ProcessEnv, names: readonly string[] = PLUGIN_PASS_ENV): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    if (names.includes(name) || (PLUGIN_PASS_PREFIXES.some((p) => name.startsWith(p)) && !SECRET_NAME.test(name))) env[name] = value;
  }
  return env;
}
