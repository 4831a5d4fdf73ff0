// The optional allow-list of chart sources (`--allowed-chart-repos`), as Argo CD projects have
// `sourceRepos`: a pull request must not point helm, which runs with gitset's network access, at
// an internal address. Like `sourceRepos`, it covers Git sources too: the URL of every Flux
// GitRepository of the repository, which the daemon fetches. Glob patterns as Argo CD writes them (`*` matches any text, `/` included;
// `?`, `[a-z]`, `{a,b}`); a pattern starting with `!` denies. Pure.
import type { Diagnostic } from '../model/diagnostics.ts';
import { objectId, type HelmChart, type ProfileObject } from '../model/objects.ts';
import { type FluxSource } from '../model/sources.ts';
import { fluxSourceId } from './flux-sources.ts';

export interface ChartRepoAllowList {
  /** As given, for messages. */
  patterns: readonly string[];
  rules: ReadonlyArray<{ deny: boolean; alternatives: Token[][] }>;
}

type Token = { t: 'char'; c: string } | { t: 'one' } | { t: 'star' } | { t: 'class'; negate: boolean; ranges: Array<[string, string]> };

/** Brace alternatives of one pattern are expanded up to this many: patterns come from the operator, still bounded. */
const MAX_ALTERNATIVES = 256;

/** Patterns separated by commas (not those inside `{…}`) or whitespace. Throws an Error naming a malformed one. */
export function parseChartRepoPatterns(text: string): ChartRepoAllowList {
  const patterns = splitPatterns(text);
  const rules = patterns.map((p) => {
    const deny = p.startsWith('!');
    const body = canonicalPattern(deny ? p.slice(1) : p);
    if (body === '') throw new Error(`"${p}" is an empty pattern`);
    return { deny, alternatives: expandBraces(body, p).map((alt) => tokenize(alt, p)) };
  });
  return { patterns, rules };
}

function splitPatterns(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '{') depth++;
    if (ch === '}') depth = Math.max(0, depth - 1);
    if (depth === 0 && (ch === ',' || /\s/.test(ch))) {
      if (current) out.push(current);
      current = '';
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

/**
 * What a URL is matched as: scheme, host and path lowercased, without a trailing `/`. Undefined
 * (never allowed) when it is not a URL or carries credentials (`https://user@host` could make
 * `https://charts.acme.io*` match a URL that fetches from another host).
 */
export function canonicalChartSource(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (u.username !== '' || u.password !== '') return undefined;
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}${u.search}`.toLowerCase();
}

function canonicalPattern(pattern: string): string {
  return pattern.trim().replace(/\/+$/, '').toLowerCase();
}

/** Argo CD's rule: denied when a deny pattern matches; else allowed when any pattern does (a deny pattern that does not match counts). */
export function chartSourceAllowed(url: string, allow: ChartRepoAllowList): boolean {
  const source = canonicalChartSource(url);
  if (source === undefined) return false;
  let any = false;
  for (const rule of allow.rules) {
    const hit = rule.alternatives.some((tokens) => globMatch(tokens, source));
    if (rule.deny && hit) return false;
    if (hit !== rule.deny) any = true;
  }
  return any;
}

/** The source helm fetches a helmCharts entry from: a full `oci://` chartName, else the repositoryURL. */
export function chartSource(chart: Pick<HelmChart, 'repositoryURL' | 'chartName'>): { field: 'repositoryURL' | 'chartName'; url: string } {
  const name = typeof chart.chartName === 'string' ? chart.chartName.trim() : '';
  if (name.toLowerCase().startsWith('oci://')) return { field: 'chartName', url: name };
  return { field: 'repositoryURL', url: typeof chart.repositoryURL === 'string' ? chart.repositoryURL : '' };
}

/** An error at the field of every helmCharts entry (to install) whose source the allow-list refuses. */
export function chartRepoDiagnostics(profiles: readonly ProfileObject[], allow: ChartRepoAllowList): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const profile of profiles) {
    const charts = Array.isArray(profile.spec.helmCharts) ? profile.spec.helmCharts : [];
    charts.forEach((chart, i) => {
      if (chart.helmChartAction === 'Uninstall') return; // removing a release fetches nothing
      const { field, url } = chartSource(chart);
      // A template renders per cluster, after this check: with an allow-list, sources are plain text.
      if (!url.includes('{{') && chartSourceAllowed(url, allow)) return;
      const path = `spec.helmCharts[${i}].${field}`;
      const at = profile.fieldSources?.[path] ?? profile.fieldSources?.[`spec.helmCharts[${i}]`] ?? profile.source;
      const id = objectId(profile);
      out.push({
        ...at, severity: 'error', code: 'chart-repo-not-allowed', field: path, object: id,
        message: `${id}: ${path} ${JSON.stringify(url)} is not allowed by --allowed-chart-repos (${allow.patterns.join(', ')})${url.includes('{{') ? ': with an allow-list, a chart source cannot be a template' : ''}`,
      });
    });
  }
  return out;
}

/** An error at `spec.url` of every Flux GitRepository whose URL the allow-list refuses. */
export function gitSourceDiagnostics(sources: readonly FluxSource[], allow: ChartRepoAllowList): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const source of sources) {
    if (source.kind !== 'GitRepository' || chartSourceAllowed(source.spec.url, allow)) continue;
    const id = fluxSourceId({ kind: source.kind, ...source.metadata });
    out.push({
      ...(source.urlSource ?? source.source), severity: 'error', code: 'chart-repo-not-allowed', field: 'spec.url', object: id,
      message: `${id}: spec.url ${JSON.stringify(source.spec.url)} is not allowed by --allowed-chart-repos (${allow.patterns.join(', ')}), which covers Git sources too`,
    });
  }
  return out;
}

function expandBraces(pattern: string, shown: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  let close = -1;
  const cuts: number[] = [];
  for (let i = open; i < pattern.length && close < 0; i++) {
    if (pattern[i] === '{') depth++;
    else if (pattern[i] === '}' && --depth === 0) close = i;
    else if (pattern[i] === ',' && depth === 1) cuts.push(i);
  }
  if (close < 0) throw new Error(`"${shown}" has a "{" without its "}"`);
  const bounds = [open, ...cuts, close];
  const out: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    for (const rest of expandBraces(pattern.slice(bounds[k]! + 1, bounds[k + 1]) + pattern.slice(close + 1), shown)) {
      out.push(pattern.slice(0, open) + rest);
      if (out.length > MAX_ALTERNATIVES) throw new Error(`"${shown}" expands to more than ${MAX_ALTERNATIVES} alternatives`);
    }
  }
  return out;
}

function tokenize(pattern: string, shown: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) out.push({ t: 'char', c: pattern[++i]! });
    else if (c === '?') out.push({ t: 'one' });
    else if (c === '*') {
      if (out[out.length - 1]?.t !== 'star') out.push({ t: 'star' }); // `**` is `*`: no separators
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new Error(`"${shown}" has a "[" without its "]"`);
      const body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      const chars = negate ? body.slice(1) : body;
      const ranges: Array<[string, string]> = [];
      for (let k = 0; k < chars.length; k++) {
        if (chars[k + 1] === '-' && k + 2 < chars.length) {
          ranges.push([chars[k]!, chars[k + 2]!]);
          k += 2;
        } else ranges.push([chars[k]!, chars[k]!]);
      }
      out.push({ t: 'class', negate, ranges });
      i = end;
    } else out.push({ t: 'char', c });
  }
  return out;
}

function single(token: Token, c: string): boolean {
  switch (token.t) {
    case 'char':
      return token.c === c;
    case 'one':
      return true;
    case 'class':
      return token.ranges.some(([lo, hi]) => c >= lo && c <= hi) !== token.negate;
    case 'star':
      return false;
  }
}

/** Wildcard matching that backtracks only to the last `*`: O(pattern × text), whatever the input. */
function globMatch(tokens: readonly Token[], text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (tokens[p]?.t === 'star') {
      star = p++;
      resume = t;
    } else if (p < tokens.length && single(tokens[p]!, text[t]!)) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else return false;
  }
  while (tokens[p]?.t === 'star') p++;
  return p === tokens.length;
}
