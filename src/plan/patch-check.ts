// What `validate` and `plan` say about a profile's patches before anything merges: every patch
// (inline, or a data key of a patchesFrom source) is gathered and checked for every cluster of the
// repository the profile can reach, as the planner would for that cluster; a patch that does not
// parse, a bad target, a template that fails or a missing source is an error at the entry.
// Whether a patch applies to the objects is only known once they are rendered (per cluster).
import type { LoadedRepository } from '../load/index.ts';
import type { Diagnostic } from '../model/diagnostics.ts';
import { objectId, type ProfileObject } from '../model/objects.ts';
import { contentSourceId, type ContentSource } from '../model/sources.ts';
import { indexClusters, type ClusterIndex } from '../select/cluster-index.ts';
import { hasPatches, patchesVaryByCluster, profilePatches } from './profile-patches.ts';
import { reachable, type PreparedRevision } from './template-check.ts';
import type { TemplateCluster } from './template.ts';

/** Clusters named in one message; the rest are counted. */
const NAMED = 3;
const NO_CLUSTER: TemplateCluster = { apiVersion: '', kind: '', metadata: { name: '' } };

/** `prepared`: the planner's revision, whose cluster index is used rather than built again (only when some profile has patches). */
export function patchProblems(repo: LoadedRepository, prepared?: Pick<PreparedRevision, 'index'>): Diagnostic[] {
  let index: ClusterIndex | undefined = prepared?.index;
  const sources = new Map<string, ContentSource>(repo.sources.map((s) => [contentSourceId({ kind: s.kind, namespace: s.metadata.namespace, name: s.metadata.name }), s]));
  const out: Diagnostic[] = [];
  for (const profile of repo.profiles) {
    if (!hasPatches(profile)) continue;
    let reach: Array<{ key: string; object: TemplateCluster }> | undefined;
    // Each entry on its own, so that every entry at fault is reported, with the first cluster's
    // reason and the clusters it fails for.
    for (const list of ['patches', 'patchesFrom'] as const) {
      const entries = Array.isArray(profile.spec[list]) ? (profile.spec[list] as unknown[]) : [];
      entries.forEach((entry, i) => {
        const alone = { ...profile, spec: { ...profile.spec, patches: [], patchesFrom: [], [list]: [entry] } };
        const varies = patchesVaryByCluster(alone, sources);
        const clusters = varies ? (reach ??= reachable(profile, repo, (index ??= indexClusters(repo.clusters))).map((c) => ({ key: c.key, object: c.object as TemplateCluster }))) : [{ key: '', object: NO_CLUSTER }];
        const failed: string[] = [];
        let reason: string | undefined;
        for (const c of clusters) {
          const error = profilePatches(alone, c.object, sources).error;
          if (error === undefined) continue;
          reason ??= error.replace(`${list}[0]`, `${list}[${i}]`);
          failed.push(c.key);
        }
        if (reason !== undefined) out.push(diagnostic(profile, `spec.${list}[${i}]`, varies ? `${reason} (fails for ${named(failed, clusters.length)})` : reason));
      });
    }
  }
  return out;
}

function named(keys: readonly string[], of: number): string {
  const more = keys.length > NAMED ? `, and ${keys.length - NAMED} more` : '';
  return `${keys.length} of the ${of} clusters the profile can reach: ${keys.slice(0, NAMED).join(', ')}${more}`;
}

function diagnostic(profile: ProfileObject, field: string, message: string): Diagnostic {
  const at = profile.fieldSources?.[field] ?? profile.source;
  const id = objectId(profile);
  return { ...at, severity: 'error', code: 'bad-patch', field, object: id, message: `${id}: ${message}` };
}
