// Repository checks of a profile's `validateHealths` (the schema has checked the shapes): CEL rules
// must parse, as validate would otherwise let a check that can never pass reach the fleet; and which
// checks gitset acts on. gitset runs the checks of the helm feature (featureID Helm) with a Lua
// script and/or CEL rules; Sveltos Enterprise's jobCheck, metric sources, and checks of the
// Resources and Kustomize features are reported as unsupported instead.
import type { Diagnostic } from '../model/diagnostics.ts';
import { objectId, type ProfileObject, type ValidateHealth } from '../model/objects.ts';
import { celSyntaxError } from '../observe/health-cel.ts';

/** Why gitset does not act on a check, as the dotted field to report; undefined when it does. */
export function unsupportedCheckField(check: ValidateHealth): string | undefined {
  if (check.jobCheck !== undefined) return 'jobCheck';
  if (check.metricSource !== undefined || check.metricQueries !== undefined) return 'metricSource';
  if (check.featureID !== 'Helm') return 'featureID';
  return undefined;
}

/** The checks gitset runs for a profile's helm releases: part of each release's health. */
export function helmHealthChecks(profile: Pick<ProfileObject, 'spec'>): ValidateHealth[] {
  const checks = Array.isArray(profile.spec.validateHealths) ? profile.spec.validateHealths : [];
  return checks.filter((c) => unsupportedCheckField(c) === undefined);
}

export function checkValidateHealths(profiles: readonly ProfileObject[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of profiles) {
    (p.spec.validateHealths ?? []).forEach((check, i) => {
      (check.evaluateCEL ?? []).forEach((r, j) => {
        const error = celSyntaxError(r.rule);
        if (error === undefined) return;
        const field = `spec.validateHealths[${i}].evaluateCEL[${j}].rule`;
        const at = p.fieldSources?.[field] ?? p.fieldSources?.[`spec.validateHealths[${i}]`] ?? p.source;
        out.push({ ...at, severity: 'error', code: 'bad-health-check', field, object: objectId(p), message: `${objectId(p)}: ${field}: CEL rule ${r.name} does not parse: ${error}` });
      });
      if (check.kind === undefined && (check.script || check.evaluateCEL) && unsupportedCheckField(check) === undefined) {
        const field = `spec.validateHealths[${i}]`;
        out.push({ ...(p.fieldSources?.[field] ?? p.source), severity: 'error', code: 'bad-health-check', field, object: objectId(p), message: `${objectId(p)}: ${field}: health check ${check.name} names no kind to check` });
      }
    });
  }
  return out;
}

/**
 * Lua scripts that do not compile, as errors at the check: a pull request must not merge a check
 * that can never pass. Async, and the Lua VM is loaded only when the repository has scripts.
 */
export async function luaScriptProblems(profiles: readonly ProfileObject[]): Promise<Diagnostic[]> {
  const scripts = profiles.flatMap((p) => (p.spec.validateHealths ?? []).flatMap((c, i) => (typeof c.script === 'string' && c.script.trim() ? [{ p, i, check: c }] : [])));
  if (scripts.length === 0) return [];
  const { loadLua, luaSyntaxError } = await import('../observe/health-script.ts');
  const lua = await loadLua();
  const out: Diagnostic[] = [];
  for (const { p, i, check } of scripts) {
    const error = luaSyntaxError(lua, check.script!);
    if (error === undefined) continue;
    const field = `spec.validateHealths[${i}].script`;
    out.push({ ...(p.fieldSources?.[`spec.validateHealths[${i}]`] ?? p.source), severity: 'error', code: 'bad-health-check', field, object: objectId(p), message: `${objectId(p)}: ${field}: Lua script of ${check.name} does not compile: ${error}` });
  }
  return out;
}
