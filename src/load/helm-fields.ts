// What helm and Kubernetes accept in the fields of a helmCharts entry that end up on helm's
// command line, as ajv formats the schemas name (`"format": "helm-release-name"`). A value that
// starts with `-` would be a flag; a chart name with `..` or `/` at the start, a local path.
// Every field may hold templates (src/plan/template.ts): the static text of releaseName,
// releaseNamespace and chartVersion is checked here, each `{{ … }}` standing for a piece rendered
// per cluster; what a template renders is checked per cluster by the planner
// (renderedFieldProblem), and once more where helm's arguments are built (src/helm/args.ts).

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** helm's own limit: a release name must fit into the names of the objects it labels. */
export const RELEASE_NAME_MAX = 53;
const NAMESPACE_MAX = 63;

/**
 * The text of a template with every action replaced by what stands for its output: nothing for a
 * comment, `x` (valid in every name) for the rest. Whitespace a `{{-` or `-}}` trims goes too.
 */
export function staticText(value: string): { text: string; templated: boolean } {
  if (!value.includes('{{')) return { text: value, templated: false };
  // A scan, not regular expressions: this runs on text from pull requests, and stays linear.
  let text = '';
  let pos = 0;
  let trimNext = false;
  for (;;) {
    const open = value.indexOf('{{', pos);
    const close = open < 0 ? -1 : value.indexOf('}}', open + 2);
    let literal = value.slice(pos, close < 0 ? value.length : open);
    if (trimNext) literal = literal.trimStart();
    if (close < 0) return { text: text + literal, templated: true }; // an unclosed `{{` stays as text
    const inner = value.slice(open + 2, close);
    if (/^-\s/.test(inner)) literal = literal.trimEnd();
    trimNext = /\s-$/.test(inner);
    const body = inner.replace(/^-/, '').replace(/-$/, '').trim();
    text += literal + (body.startsWith('/*') && body.endsWith('*/') ? '' : 'x');
    pos = close + 2;
  }
}

function releaseName(value: string): boolean {
  const { text, templated } = staticText(value);
  return DNS_SUBDOMAIN.test(text) && (templated || text.length <= RELEASE_NAME_MAX);
}

function releaseNamespace(value: string): boolean {
  const { text, templated } = staticText(value);
  return DNS_LABEL.test(text) && (templated || text.length <= NAMESPACE_MAX);
}

function notAFlag(value: string): boolean {
  return !staticText(value).text.trimStart().startsWith('-');
}

function chartName(value: string): boolean {
  const name = value.trim();
  if (name.startsWith('/') || name.includes('\\')) return false;
  return name.split('/').every((segment) => segment !== '..' && !segment.startsWith('-'));
}

/** The fields of a helmCharts entry that may hold templates and reach helm's command line. */
export type RenderedField = 'releaseName' | 'releaseNamespace' | 'chartVersion' | 'chartName' | 'repositoryURL' | 'repositoryName';

/**
 * What is wrong with the value a template rendered for one cluster, by the same rules as above
 * for plain text (checked per cluster by the planner; src/plan/desired.ts); undefined when fine.
 */
export function renderedFieldProblem(field: RenderedField, value: string): string | undefined {
  const shown = JSON.stringify(value);
  switch (field) {
    case 'releaseName':
      return DNS_SUBDOMAIN.test(value) && value.length <= RELEASE_NAME_MAX
        ? undefined
        : `releaseName: rendered ${shown} is not a valid helm release name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most ${RELEASE_NAME_MAX} characters)`;
    case 'releaseNamespace':
      return DNS_LABEL.test(value) && value.length <= NAMESPACE_MAX
        ? undefined
        : `releaseNamespace: rendered ${shown} is not a valid namespace (a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most ${NAMESPACE_MAX} characters)`;
    case 'chartVersion':
    case 'repositoryName':
      return value.trimStart().startsWith('-') ? `${field}: rendered ${shown} starts with "-": helm would read it as a flag` : undefined;
    case 'chartName':
      return value === '' || !chartName(value) ? `chartName: rendered ${shown} is not a chart name (empty, a path starting with "/", with ".." or "\\", or a part starting with "-")` : undefined;
    case 'repositoryURL':
      if (value.trimStart().startsWith('-')) return `repositoryURL: rendered ${shown} starts with "-": helm would read it as a flag`;
      return value === '' || FETCHABLE.test(value) ? undefined : `repositoryURL: rendered ${shown} is not an https://, http:// or oci:// URL: gitset cannot install this chart`;
    default: {
      const never: never = field;
      throw new Error(`unexpected field ${String(never)}`);
    }
  }
}

/** ajv formats by name, for `ajv.addFormat`. */
export const HELM_FORMATS: Readonly<Record<string, (value: string) => boolean>> = {
  'helm-release-name': releaseName,
  'helm-release-namespace': releaseNamespace,
  'helm-chart-name': chartName,
  'helm-chart-version': notAFlag,
  'helm-repository-name': notAFlag,
  'helm-repository-url': notAFlag,
};

/** Where helm can fetch charts from; Sveltos' Flux sources (`gitrepository://`, …) are not supported. */
const FETCHABLE = /^(https?|oci):\/\//i;

/**
 * Entries gitset cannot install because of their repositoryURL (a warning: Sveltos accepts any
 * non-empty value, and the planner reports the failure per release). Paths are field paths.
 */
export function unfetchableCharts(helmCharts: unknown): Array<{ path: Array<string | number>; url: string }> {
  if (!Array.isArray(helmCharts)) return [];
  const out: Array<{ path: Array<string | number>; url: string }> = [];
  helmCharts.forEach((entry: { repositoryURL?: unknown; chartName?: unknown }, i) => {
    const url = typeof entry?.repositoryURL === 'string' ? entry.repositoryURL.trim() : '';
    if (url.includes('{{')) return; // rendered per cluster, and checked then (renderedFieldProblem)
    const fullOci = typeof entry?.chartName === 'string' && entry.chartName.trim().startsWith('oci://');
    if (!fullOci && !FETCHABLE.test(url)) out.push({ path: ['spec', 'helmCharts', i, 'repositoryURL'], url });
  });
  return out;
}

/**
 * Entries whose `registryCredentialsConfig.credentials` helm cannot use: it reads a registry config
 * for oci:// charts only, and takes an http(s) repository's password only on its command line,
 * where gitset never puts a secret (a warning; the release fails with the same reason).
 */
export function credentialsWithoutOci(helmCharts: unknown): Array<Array<string | number>> {
  if (!Array.isArray(helmCharts)) return [];
  const out: Array<Array<string | number>> = [];
  helmCharts.forEach((entry: { repositoryURL?: unknown; chartName?: unknown; registryCredentialsConfig?: { credentials?: unknown } }, i) => {
    if (!entry?.registryCredentialsConfig?.credentials) return;
    const oci = [entry.repositoryURL, entry.chartName].some((v) => typeof v === 'string' && /^oci:\/\//i.test(v.trim()));
    if (!oci) out.push(['spec', 'helmCharts', i, 'registryCredentialsConfig', 'credentials']);
  });
  return out;
}
