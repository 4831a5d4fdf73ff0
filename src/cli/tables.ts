// The tables the CLI prints, in sveltosctl's look, and the rows of `gitset show addons|clusters|sets`
// read from status files. The rows are built from a list of {path, text}, so the status of any
// commit (read through git) shows the same way; the demo prints the same table.
import { escapeControl } from '../model/escape.ts';
import type { ReleaseHealth } from '../model/status.ts';
import { notReadyDetail } from '../status/cluster-health.ts';
import { readStatusFiles, type StatusFile } from '../status/read.ts';
import { refKey, type StatusSnapshot } from '../status/snapshot.ts';

export type ShowWhat = 'addons' | 'clusters' | 'sets';

type Cell = string | number | boolean | string[] | null;
type Row = Record<string, Cell>;

/** One release on one cluster, as `gitset show addons` lists it. */
export type AddonRow = {
  cluster: string;
  resourceType: 'helm chart';
  namespace: string;
  name: string;
  version: string;
  time: string;
  profiles: string[];
  state: string;
  /** Health of what the release deployed; null when gitset has not observed it (`-` in the table). */
  health: ReleaseHealth | null;
};

/** The table (or JSON rows) of `what`, from status files. */
export function renderShow(what: ShowWhat, files: readonly StatusFile[], format: 'text' | 'json'): string {
  return renderSnapshot(what, readStatusFiles(files), format);
}

/** The same from status files already read (the caller reports the snapshot's problems). */
export function renderSnapshot(what: ShowWhat, snapshot: StatusSnapshot, format: 'text' | 'json'): string {
  const { head, rows } = showRows(what, snapshot);
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  return asciiTable(head, rows.map((r) => Object.values(r).map(cellText)));
}

function showRows(what: ShowWhat, s: StatusSnapshot): { head: string[]; rows: Row[] } {
  switch (what) {
    case 'addons':
      return { head: ['CLUSTER', 'RESOURCE TYPE', 'NAMESPACE', 'NAME', 'VERSION', 'TIME', 'PROFILES', 'STATE', 'HEALTH'], rows: addonRows(s) };
    case 'clusters':
      return { head: ['NAMESPACE', 'NAME', 'READY', 'VERSION', 'MESSAGE'], rows: clusterRows(s) };
    case 'sets':
      return { head: ['NAME', 'MATCHING', 'SELECTED', 'MAX'], rows: setRows(s) };
  }
}

/** One row per release on a cluster; losers of a conflict are not on the cluster and are left out. */
export function addonRows(s: StatusSnapshot): AddonRow[] {
  const rows = new Map<string, AddonRow>();
  for (const [id, { status }] of s.profiles) {
    for (const pc of status.clusters ?? []) {
      for (const r of pc.releases) {
        if (r.state === 'Conflict') continue;
        const key = `${pc.cluster}\u0000${r.releaseNamespace}\u0000${r.releaseName}`;
        const row = rows.get(key);
        if (row) row.profiles.push(id);
        else {
          rows.set(key, {
            cluster: pc.cluster,
            resourceType: 'helm chart',
            namespace: r.releaseNamespace,
            name: r.releaseName,
            version: r.chartVersion,
            time: r.lastAppliedTime ? formatTime(r.lastAppliedTime) : '',
            profiles: [id],
            state: r.state,
            health: r.health ?? null,
          });
        }
      }
    }
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

function clusterRows(s: StatusSnapshot): Row[] {
  return [...s.clusters.values()].map(({ object, status }) => ({
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    ready: status.ready,
    version: status.version ?? '',
    message: object.spec.paused === true ? 'paused' : status.ready ? '' : notReadyDetail(status),
  }));
}

function setRows(s: StatusSnapshot): Row[] {
  return [...s.sets.entries()].map(([id, { object, status }]) => ({
    name: id,
    matching: status.matchingClusterRefs.map(refKey),
    selected: status.selectedClusterRefs.map(refKey),
    max: typeof object.spec.maxReplicas === 'number' ? object.spec.maxReplicas : 0,
  }));
}

/** `2024-03-13 10:19:06 +0000 UTC`, the shape sveltosctl prints (in UTC, so it reads the same everywhere). */
function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

function cellText(v: Cell): TableCell {
  if (Array.isArray(v)) return v;
  return v === null ? '-' : String(v); // null: not known
}

/** A cell: one line, or lines shown one under the other. */
export type TableCell = string | readonly string[];

/**
 * sveltosctl's look: ASCII frame, a rule under the header, none between rows. Control characters
 * in a cell are shown escaped (a newline or an ESC in a name would forge a row or drive the
 * terminal); only the lines of a multi-line cell are broken.
 */
export function asciiTable(head: string[], rows: ReadonlyArray<readonly TableCell[]>): string {
  const body = rows.map((r) => r.map((c) => (typeof c === 'string' ? [escapeControl(c)] : c.length === 0 ? [''] : c.map(escapeControl))));
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...body.map((r) => Math.max(0, ...(r[i] ?? ['']).map(displayWidth)))));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (texts: readonly string[]): string => `|${widths.map((w, i) => ` ${texts[i] ?? ''}${' '.repeat(w - displayWidth(texts[i] ?? ''))} `).join('|')}|`;
  const out = [rule, line(head), rule];
  for (const r of body) {
    const height = Math.max(1, ...r.map((lines) => lines.length));
    for (let k = 0; k < height; k++) out.push(line(widths.map((_, i) => r[i]?.[k] ?? '')));
  }
  out.push(rule);
  return `${out.join('\n')}\n`;
}

/** Borderless, like `kubectl get`: columns two spaces apart, easy to read and to grep. Cells are shown as given. */
export function plainTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (texts: readonly string[]): string => widths.map((w, i) => `${texts[i] ?? ''}${' '.repeat(w - displayWidth(texts[i] ?? ''))}`).join('  ').trimEnd();
  return `${[head, ...rows].map(line).join('\n')}\n`;
}

/**
 * Columns a terminal gives the text: East Asian wide characters and emoji take two, combining
 * marks and format characters none (as the string-width package counts them, for the common cases).
 */
export function displayWidth(text: string): number {
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (/[\p{Mn}\p{Me}\p{Cf}]/u.test(ch)) continue;
    width += WIDE.some(([lo, hi]) => c >= lo && c <= hi) ? 2 : 1;
  }
  return width;
}

const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf],
  [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe30, 0xfe4f], [0xff00, 0xff60], [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f], [0x1f900, 0x1f9ff], [0x20000, 0x3fffd],
];
