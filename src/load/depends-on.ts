// Repository checks of `dependsOn`: every name is a profile of the same kind (a Profile: of its own
// namespace), and the dependencies form no cycle. Each problem is an error at the entry, a cycle's
// message naming every profile in it with its file:line:col. Pure.
import type { Diagnostic } from '../model/diagnostics.ts';
import { objectId, type ProfileKind, type ProfileObject, type SourcePos } from '../model/objects.ts';

/** objectId of the profile a `dependsOn` name of `profile` refers to: same kind, and namespace for a Profile. */
export function prerequisiteId(profile: { kind: ProfileKind; metadata: { namespace?: string } }, name: string): string {
  return objectId({ kind: profile.kind, metadata: { name, ...(profile.kind === 'Profile' ? { namespace: profile.metadata.namespace ?? '' } : {}) } });
}

interface Edge {
  from: ProfileObject;
  index: number;
  to: string;
}

function posOf(p: ProfileObject, index: number): SourcePos {
  return p.fieldSources?.[`spec.dependsOn[${index}]`] ?? p.fieldSources?.['spec.dependsOn'] ?? p.source;
}

const where = (s: SourcePos): string => `${s.file}:${s.line}:${s.col}`;

function error(e: Edge, code: 'dangling-depends-on' | 'depends-on-cycle', message: string): Diagnostic {
  const field = `spec.dependsOn[${e.index}]`;
  const id = objectId(e.from);
  return { ...posOf(e.from, e.index), severity: 'error', code, field, object: id, message: `${id}: ${field} ${message}` };
}

export function checkDependsOn(profiles: readonly ProfileObject[]): Diagnostic[] {
  const byId = new Map(profiles.map((p) => [objectId(p), p]));
  const out: Diagnostic[] = [];
  const edges = new Map<string, Edge[]>();
  for (const p of profiles) {
    const names = Array.isArray(p.spec.dependsOn) ? p.spec.dependsOn : [];
    names.forEach((name, index) => {
      const e: Edge = { from: p, index, to: prerequisiteId(p, String(name)) };
      if (!byId.has(e.to)) {
        const scope = p.kind === 'Profile' ? ` in namespace ${p.metadata.namespace ?? ''}` : '';
        out.push(error(e, 'dangling-depends-on', `names ${JSON.stringify(String(name))}: no ${p.kind} of that name${scope} in the repository (a ${p.kind} depends on ${p.kind}s${scope ? ' of its namespace' : ''})`));
        return;
      }
      const list = edges.get(objectId(p));
      if (list) list.push(e);
      else edges.set(objectId(p), [e]);
    });
  }
  return [...out, ...cycles(edges)];
}

/** One error per edge on a cycle, found by depth-first search; each names the whole cycle. */
function cycles(edges: ReadonlyMap<string, Edge[]>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: Edge[] = [];
  const reported = new Set<Edge>();
  const visit = (id: string): void => {
    state.set(id, 'open');
    for (const e of edges.get(id) ?? []) {
      const s = state.get(e.to);
      if (s === 'open') {
        const start = path.findIndex((x) => objectId(x.from) === e.to);
        const loop = [...path.slice(start < 0 ? path.length : start), e];
        const text = loop.map((x) => `${objectId(x.from)} (${where(posOf(x.from, x.index))})`).join(' → ');
        for (const x of loop) {
          if (reported.has(x)) continue;
          reported.add(x);
          out.push(error(x, 'depends-on-cycle', `closes a dependency cycle: ${text} → ${e.to}; none of them can deploy`));
        }
      } else if (s === undefined) {
        path.push(e);
        visit(e.to);
        path.pop();
      }
    }
    state.set(id, 'done');
  };
  for (const id of [...edges.keys()].sort()) if (!state.has(id)) visit(id);
  return out;
}
