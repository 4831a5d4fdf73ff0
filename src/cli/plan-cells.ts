// What the text and Markdown forms of `gitset plan` share: the counts line, short cluster lists,
// the cells of a set's row, object names.
import type { PlanReport } from '../plan/report.ts';

/** `1,234 installs`: a count and its noun, plural when not 1. */
export function counted(n: number, noun: string): string {
  return `${thousands(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** A count with thousands separators (12,345), as toLocaleString('en-US') writes it, without the ~20 ms its first call takes to set up ICU. */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function counts(r: PlanReport): string {
  const byAction = new Map<string, number>();
  for (const { action } of r.actions) byAction.set(action, (byAction.get(action) ?? 0) + 1);
  const n = (a: string) => byAction.get(a) ?? 0;
  const waiting = r.notRun.length > 0 ? `, ${thousands(r.notRun.length)} not run now` : '';
  const held = r.held.length > 0 ? `, ${thousands(r.held.length)} held until healthy` : '';
  return `${counted(n('install'), 'install')}, ${counted(n('upgrade'), 'upgrade')}, ${counted(n('uninstall'), 'uninstall')}${waiting}${held}`;
}

const LISTED = 5;
export function list(keys: readonly string[]): string {
  if (keys.length === 0) return '-';
  return keys.length <= LISTED ? keys.join(', ') : `${keys.slice(0, LISTED).join(', ')} (+${keys.length - LISTED} more)`;
}

/** One row of the sets table after the name: the same cells in text and Markdown, each a list of lines. */
export function setCells(s: PlanReport['sets'][number]): string[][] {
  const notSelected = [
    ...(s.draining ?? []).map((k) => `${k}: draining (keeps its releases until the replacement's are deployed and healthy)`),
    ...(s.heldBack ?? []),
    ...s.notSelected.slice(0, LISTED).map((n) => `${n.cluster}: ${n.message}`),
    ...(s.message ? [s.message] : []),
  ];
  return [[String(s.maxReplicas)], [list(s.selected)], [list(s.matching)], notSelected.length > 0 ? notSelected : ['-']];
}

export function id(o: { kind: string; namespace: string | null; name: string }): string {
  return o.namespace ? `${o.kind}/${o.namespace}/${o.name}` : `${o.kind}/${o.name}`;
}
