// What a helmCharts entry takes from outside its own fields, for one cluster: the values of the
// ConfigMaps/Secrets `valuesFrom` names (values-from.ts) and how helm reaches and verifies the
// chart (chart-access.ts). Either can fail for a cluster; that is the release's error there.
import type { HelmChart, ProfileObject } from '../model/objects.ts';
import type { ContentSource } from '../model/sources.ts';
import type { ChartAccess } from '../model/chart-access.ts';
import { asksForChartAccess, chartAccessFor, chartAccessUsesCluster } from './chart-access.ts';
import type { TemplateCluster } from './template.ts';
import { helmValuesFrom, valuesFromUsesCluster, ValuesFromError, type ValueFromRef } from './values-from.ts';

export interface ChartInputs {
  /** False when every cluster gets the same inputs (resolved once). */
  usesCluster: boolean;
  resolve(cluster: TemplateCluster): { valuesFrom?: readonly string[]; chartAccess?: ChartAccess; error?: string };
}

/** The entry's inputs, or undefined when it has none (no valuesFrom, no chart access fields). */
export function chartInputs(chart: HelmChart, profile: Pick<ProfileObject, 'metadata'>, sources: ReadonlyMap<string, ContentSource>): ChartInputs | undefined {
  const entries = (Array.isArray(chart.valuesFrom) ? chart.valuesFrom : []) as ValueFromRef[];
  const access = asksForChartAccess(chart);
  if (entries.length === 0 && !access) return undefined;
  return {
    usesCluster: valuesFromUsesCluster(entries, profile, sources) || (access && chartAccessUsesCluster(chart, profile)),
    resolve(cluster) {
      const a = access ? chartAccessFor(chart, profile, cluster) : {};
      if (a.error !== undefined) return { error: a.error };
      let valuesFrom: string[];
      try {
        valuesFrom = helmValuesFrom(entries, profile, cluster, sources);
      } catch (err) {
        if (err instanceof ValuesFromError) return { error: err.message };
        throw err;
      }
      return { ...(valuesFrom.length > 0 ? { valuesFrom } : {}), ...(a.access ? { chartAccess: a.access } : {}) };
    },
  };
}
