// What a benchmark reports and how the suite prints it: one row per measure with the median
// of its repetitions (and min/max), the target it is held to, and the machine it ran on.
import { cpus, loadavg, totalmem, platform, release } from 'node:os';
import Table from 'cli-table3';

export type Unit = 'ms' | 's' | 'MB' | 'per s' | 'x' | 'count' | '%';

/** A target a measure is held to: `value` must be below (`<`) or above (`>`) the bound, or equal (`==`). */
export interface Target {
  op: '<' | '>' | '==';
  value: number;
}

export interface Measure {
  bench: string;
  name: string;
  unit: Unit;
  median: number;
  min?: number;
  max?: number;
  /** Repetitions the median is taken over. */
  runs?: number;
  target?: Target;
  /** Set by `judge` from the target. */
  pass?: boolean;
  /** Context a reader needs: workload size, floor, what was faked. */
  note?: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
}

export interface BenchRun {
  machine: Machine;
  startedAt: string;
  quick: boolean;
  durationS: number;
  measures: Measure[];
  /** Benchmarks (or parts of them) that could not run, with why (a part missing, an error, a timeout). */
  skipped: Array<{ bench: string; reason: string }>;
  /** 1-minute load average before and after each benchmark: other work on the machine skews figures. */
  loadAverages: Array<{ bench: string; start: number; end: number }>;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: (list[0]?.model ?? 'unknown').trim(),
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}

export function machineLine(m: Machine): string {
  return `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, node ${m.node}, ${m.os}`;
}

export function loadAverage(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}

export function loadLine(run: BenchRun): string {
  return `load average (1 min) before→after: ${run.loadAverages.map((l) => `${l.bench} ${l.start}→${l.end}`).join(', ')}`;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A measure from repeated samples: median, min, max, count. */
export function summarize(bench: string, name: string, unit: Unit, samples: readonly number[], extra: Partial<Measure> = {}): Measure {
  return judge({
    bench,
    name,
    unit,
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    runs: samples.length,
    ...extra,
  });
}

/** A single figure (a count, a ratio, a growth factor). */
export function single(bench: string, name: string, unit: Unit, value: number, extra: Partial<Measure> = {}): Measure {
  return judge({ bench, name, unit, median: value, ...extra });
}

export function judge(m: Measure): Measure {
  if (!m.target || !Number.isFinite(m.median)) return m;
  const { op, value } = m.target;
  const pass = op === '<' ? m.median < value : op === '>' ? m.median > value : m.median === value;
  return { ...m, pass };
}

/** Wall time of `fn` in milliseconds, with its result. */
export async function timed<T>(fn: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

export function fmt(x: number | undefined, unit?: Unit): string {
  if (x === undefined || Number.isNaN(x)) return '';
  if (unit === 'count') return String(Math.round(x));
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function targetText(m: Measure): string {
  if (!m.target) return '';
  return `${m.target.op} ${fmt(m.target.value, m.unit)}`;
}

export function renderTable(run: BenchRun): string {
  const table = new Table({
    head: ['benchmark', 'measure', 'median', 'min', 'max', 'unit', 'runs', 'target', 'ok', 'note'],
    style: { head: [], border: [], compact: true },
    colWidths: [13, 46, 9, 9, 9, 7, 6, 9, 5, 46],
    wordWrap: true,
  });
  for (const m of run.measures) {
    table.push([
      m.bench,
      m.name,
      fmt(m.median, m.unit),
      fmt(m.min, m.unit),
      fmt(m.max, m.unit),
      m.unit,
      m.runs === undefined ? '' : String(m.runs),
      targetText(m),
      m.pass === undefined ? '' : m.pass ? 'yes' : 'NO',
      m.note ?? '',
    ]);
  }
  for (const s of run.skipped) table.push([s.bench, { colSpan: 9, content: `skipped: ${s.reason}` }]);
  return table.toString();
}

/** Markdown version of the table, for a README or a PR comment. */
export function renderMarkdown(run: BenchRun): string {
  const rows = run.measures.map(
    (m) =>
      `| ${m.bench} | ${m.name} | ${fmt(m.median, m.unit)} ${m.unit} | ${fmt(m.min, m.unit)}–${fmt(m.max, m.unit)} | ${m.runs ?? ''} | ${targetText(m)} | ${m.pass === undefined ? '' : m.pass ? 'yes' : 'NO'} | ${m.note ?? ''} |`,
  );
  const skipped = run.skipped.map((s) => `| ${s.bench} | skipped: ${s.reason} | | | | | | |`);
  return [
    machineLine(run.machine),
    loadLine(run),
    '',
    '| benchmark | measure | median | min–max | runs | target | ok | note |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    ...skipped,
  ].join('\n');
}

export const MB = (bytesOrKb: number, kb = false) => (kb ? bytesOrKb / 1024 : bytesOrKb / 2 ** 20);
