// `gitset plan --format markdown`, a pull-request comment: a summary on top, each part folded into
// a <details> section, and the whole kept under a size a comment takes. When the plan is larger,
// every section keeps a fair share of rows (a long action list cannot crowd out the errors) and
// says how many it leaves out, and the summary says what was cut. Names are code spans and every
// other value from the repository, the status or a cluster is escaped, so none of it becomes HTML,
// a link or a forged line.
import { markdownCode as code, markdownText as md } from '../model/escape.ts';
import type { PlanReport } from '../plan/report.ts';
import { counted, counts, id, setCells, thousands } from './plan-cells.ts';

/**
 * GitHub refuses a comment over 65,536 characters; this leaves 5,536 for what a workflow adds
 * (a marker, a header). Counted in UTF-8 bytes, never fewer than characters, so a body under it
 * in bytes is under it however the forge counts.
 */
export const MARKDOWN_LIMIT = 60_000;

/** A section with at most this many rows is shown unfolded. */
const OPEN_ROWS = 10;

export interface MarkdownContext {
  /** Clusters in the repository. */
  clusters: number;
  /** Where the committed status was read from, when not the work tree. */
  statusFrom?: { ref: string; revision: string };
  /** Bytes the output stays within; MARKDOWN_LIMIT unless a test says otherwise. */
  limit?: number;
}

export interface Section {
  title: string;
  /** What a row is, singular, for "2,431 more actions not shown". */
  noun: string;
  open: boolean;
  /** Text before the rows (a table's header). */
  head: string;
  /** How many rows. */
  count: number;
  /** The bytes of row `i` as printed: known without printing it, as most rows are cut. */
  size: (i: number) => number;
  /**
   * At most the bytes of all the rows, when adding them up is the costly part (the action table):
   * a section whose floor is above every other section's whole size is shared out last, and
   * then only the rows it keeps are measured.
   */
  floor?: number;
  /** Row `i` as printed; it ends with a newline. */
  row: (i: number) => string;
}

/** A piece of a row, escaped, with its size in UTF-8 bytes. */
interface Piece {
  text: string;
  bytes: number;
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const mdLines = (lines: readonly string[]): string => lines.map(md).join('<br>');

/** Markdown table cells, already escaped. */
const tableHead = (head: string[]): string => `| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n`;
const tableRow = (cells: readonly Piece[]): string => `| ${cells.map((c) => c.text).join(' | ')} |\n`;
/** The bytes of tableRow(cells): `| `, ` | ` between cells, ` |\n`. */
const tableRowBytes = (cells: readonly Piece[]): number => cells.reduce((n, c) => n + c.bytes, 2 + 3 * (cells.length - 1) + 3);

/** A code span in a table cell: GFM splits cells at `|` before reading code spans, so it is escaped there too. */
const codeCell = (s: string): string => code(s).replace(/\|/g, '\\|');

/**
 * Escapes for one comment, each distinct string escaped and measured once: the action table
 * repeats its clusters, releases, charts and profiles over tens of thousands of rows.
 */
function escaper() {
  const memo = (f: (s: string) => string) => {
    const seen = new Map<string, Piece>();
    return (s: string): Piece => {
      let p = seen.get(s);
      if (p === undefined) {
        const text = f(s);
        seen.set(s, (p = { text, bytes: bytes(text) }));
      }
      return p;
    };
  };
  const text = memo(md);
  /** `namespace/name` without joining the two on every row: one escaper per namespace. */
  const inNamespace = new Map<string, (name: string) => Piece>();
  const namespaced = (namespace: string, name: string): Piece => {
    let f = inNamespace.get(namespace);
    if (f === undefined) inNamespace.set(namespace, (f = memo((n) => md(`${namespace}/${n}`))));
    return f(name);
  };
  return { text, namespaced, strong: memo((s) => `**${md(s)}**`), codeCell: memo(codeCell) };
}

/** A section whose rows are printed already: the short ones. */
function printedSection(title: string, noun: string, rows: string[], head = '', open = rows.length <= OPEN_ROWS): Section {
  const sizes = rows.map(bytes);
  return { title, noun, open, head, count: rows.length, size: (i) => sizes[i]!, row: (i) => rows[i]! };
}

export function planMarkdown(r: PlanReport, ctx: MarkdownContext): string {
  const limit = ctx.limit ?? MARKDOWN_LIMIT;
  const sections = planSections(r).filter((s) => s.count > 0);
  // Room for the rows: the limit less the summary and every frame and note at their longest.
  const fixed = bytes(summary(r, ctx, sections, sections.map(() => 0))) + sections.reduce((n, s) => n + bytes(frame(s, 0, '')), 0);
  const kept = fairShares(sections, limit - fixed);
  let out = summary(r, ctx, sections, kept);
  sections.forEach((s, i) => (out += frame(s, kept[i]!, Array.from({ length: kept[i]! }, (_, k) => s.row(k)).join(''))));
  return out;
}

/** The top of the comment: what would change, whether the repository is valid, the fleet's size, and what was cut. */
function summary(r: PlanReport, ctx: MarkdownContext, sections: readonly Section[], kept: readonly number[]): string {
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = r.diagnostics.filter((d) => d.severity === 'warning').length;
  const valid = errors > 0 ? `**${counted(errors, 'error')}**, ${counted(warnings, 'warning')}` : warnings > 0 ? `no errors, ${counted(warnings, 'warning')}` : 'no errors or warnings';
  let out = `### gitset plan\n\n**${counts(r)}** · ${valid}\n\n`;
  out += `${counted(ctx.clusters, 'cluster')}, ${counted(r.sets.length, 'set')}, ${counted(r.profiles.length, 'profile')}; ${counted(r.changes.length, 'selection or health change')}`;
  if (ctx.statusFrom) out += `; status from ${code(ctx.statusFrom.ref)} at ${code(ctx.statusFrom.revision.slice(0, 12))}`;
  out += '\n\n';
  if (r.actions.length === 0) out += 'No helm actions: the fleet is in sync.\n\n';
  const cut = sections.flatMap((s, i) => (kept[i]! < s.count ? [`${thousands(s.count - kept[i]!)} of ${counted(s.count, s.noun)}`] : []));
  if (cut.length > 0) out += `> Cut to fit a comment: ${cut.join(', ')} not shown. Run \`gitset plan\` locally for the full plan.\n\n`;
  return out;
}

/** One folded section with `shown` of its rows; the note says how many are left out. */
function frame(s: Section, shown: number, rows: string): string {
  const left = s.count - shown;
  const note = left > 0 ? `\n_… ${counted(left, `more ${s.noun}`)} not shown; run \`gitset plan\` locally for the full plan._\n` : '';
  const rowsText = shown > 0 ? `${s.head}${rows}` : '';
  return `<details${s.open ? ' open' : ''}><summary><b>${s.title}</b> (${thousands(s.count)})</summary>\n\n${rowsText}${note}\n</details>\n\n`;
}

/**
 * How many leading rows of each section fit in `budget` bytes, sharing it fairly: the smallest
 * sections are taken whole first, and what they leave is split evenly among the larger ones.
 */
export function fairShares(sections: readonly Pick<Section, 'head' | 'count' | 'size' | 'floor'>[], budget: number): number[] {
  const whole = (i: number): number => {
    const s = sections[i]!;
    let n = bytes(s.head);
    for (let k = 0; k < s.count; k++) n += s.size(k);
    return n;
  };
  const need: Array<number | undefined> = sections.map((s, i) => (s.floor === undefined ? whole(i) : undefined));
  // Only the order of the sizes matters: one floor above all the others' sizes puts its section last.
  const largest = Math.max(0, ...need.map((n) => n ?? 0));
  const floors = need.filter((n) => n === undefined).length;
  sections.forEach((s, i) => {
    if (need[i] === undefined && (floors > 1 || bytes(s.head) + s.floor! <= largest)) need[i] = whole(i);
  });
  const kept = sections.map(() => 0);
  let left = Math.max(0, budget);
  const order = need.map((_, i) => i).sort((a, b) => (need[a] ?? Infinity) - (need[b] ?? Infinity));
  order.forEach((i, k) => {
    const share = Math.floor(left / (order.length - k));
    const s = sections[i]!;
    let used = bytes(s.head);
    if (used > share) return;
    let n = 0;
    while (n < s.count && used + s.size(n) <= share) used += s.size(n++);
    kept[i] = n;
    left -= n > 0 ? used : 0;
  });
  return kept;
}

/** The sections of the comment, in order; exported for the test that rows measure what they print. */
export function planSections(r: PlanReport): Section[] {
  const errors = r.diagnostics.some((d) => d.severity === 'error');
  const diagnostics = printedSection(
    'Errors and warnings',
    'diagnostic',
    [...r.diagnostics].sort((a, b) => rank(a.severity) - rank(b.severity)).map((d) => `- ${code(`${d.file}:${d.line}:${d.col}`)} ${md(d.severity)}: ${md(d.message)}\n`),
    '',
    errors || r.diagnostics.length <= OPEN_ROWS,
  );
  const rest = [
    printedSection('Selection and health changes', 'change', r.changes.map((c) => `- ${md(c)}\n`)),
    actionSection(r.actions),
    printedSection('Staged promotions', 'promotion', (r.promotions ?? []).map((p) => `- ${code(p.id)} (content ${code(p.contentHash)}): ${p.done ? 'done' : `at stage ${md(p.currentStage)}`}\n${p.starts.map((s) => `  - **merging starts** ${md(s)}\n`).join('')}${p.stages.map((s) => `  - ${md(s)}\n`).join('')}`)),
    printedSection('Held (make-before-break)', 'hold', r.held.map((h) => `- ${md(h.message)} (${code(h.profile)})\n`)),
    printedSection('Not run now', 'release', r.notRun.map((w) => `- ${md(w.decision)} ${code(w.release)} on ${md(w.cluster)} (${code(w.profile)}): ${md(w.reason)}\n`)),
    printedSection('Not healthy', 'release', r.unhealthy.map((u) => `- ${code(u.release)} on ${md(u.cluster)} (${code(u.profile)}): ${md(u.health)}: ${md(u.message)}\n`)),
    printedSection('Sets', 'set', r.sets.map((s) => `| ${[codeCell(id(s)), ...setCells(s).map(mdLines)].join(' | ')} |\n`), tableHead(['Set', 'Max', 'Selected', 'Matching', 'Not selected'])),
    printedSection('Profiles paused, or with errors, conflicts or unsupported fields', 'profile', r.profiles.filter((p) => p.errors.length + p.conflicts.length + p.unsupported.length > 0 || p.paused).map(profileItem)),
  ];
  // Errors block the merge: they come first. Warnings and infos come last.
  return errors ? [diagnostics, ...rest] : [...rest, diagnostics];
}

type ActionText = Record<'action' | 'cluster' | 'releaseNamespace' | 'releaseName' | 'chart' | 'version' | 'profile' | 'reason', string>;

/** The action table: rows measured from their escaped cells, only the rows shown printed. */
function actionSection(actions: PlanReport['actions']): Section {
  const e = escaper();
  const cells = (a: ActionText): Piece[] => [
    e.strong(a.action),
    e.text(a.cluster),
    e.namespaced(a.releaseNamespace, a.releaseName),
    e.text(a.chart),
    e.text(a.version),
    e.codeCell(a.profile),
    e.text(a.reason),
  ];
  const rowBytes = (a: ActionText) => tableRowBytes(cells(a));
  /** No row is shorter than one whose every value is empty: escaping only adds. */
  const empty: ActionText = { action: '', cluster: '', releaseNamespace: '', releaseName: '', chart: '', version: '', profile: '', reason: '' };
  return {
    title: 'Actions',
    noun: 'action',
    open: actions.length <= OPEN_ROWS,
    head: tableHead(['Action', 'Cluster', 'Release', 'Chart', 'Version', 'Profile', 'Why']),
    count: actions.length,
    size: (i) => rowBytes(actions[i]!),
    floor: actions.length * rowBytes(empty),
    row: (i) => tableRow(cells(actions[i]!)),
  };
}

function profileItem(p: PlanReport['profiles'][number]): string {
  let out = `- ${code(id(p))}\n`;
  if (p.paused) out += `  - ${md(p.paused)}: nothing is installed, upgraded or withdrawn for it\n`;
  for (const e of p.errors) out += `  - error: ${md(e)}\n`;
  for (const c of p.conflicts) out += `  - conflict: ${md(c)}\n`;
  if (p.unsupported.length > 0) out += `  - not supported (validated, not acted on): ${p.unsupported.map((u) => code(u)).join(', ')}\n`;
  return out;
}

function rank(severity: string): number {
  return severity === 'error' ? 0 : severity === 'warning' ? 1 : 2;
}
