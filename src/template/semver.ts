// sprig's semverCompare, with Masterminds/semver v3's constraint rules: `||` between groups,
// commas or spaces within one, operators = != > < >= <= ~ ~> ^, wildcards (1.2.x, 1.*, *),
// hyphen ranges (1.2 - 1.4.5), and a prerelease version matched only by a constraint that has
// a prerelease itself (`>=1.21-0` admits 1.22.0-eks).
import { FuncError } from './funcs.ts';

interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: string;
}

interface Constraint {
  op: string;
  con: Version;
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
const PART = String.raw`v?[0-9xX*]+(?:\.[0-9xX*]+)?(?:\.[0-9xX*]+)?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?`;
const CONSTRAINT = new RegExp(String.raw`^\s*(!=|>=|=>|<=|=<|~>|[=><~^])?\s*(${PART})\s*$`);
const HYPHEN = new RegExp(String.raw`\s*(${PART})\s+-\s+(${PART})\s*`, 'g');

export function parseVersion(text: string): Version {
  const m = VERSION.exec(text.trim());
  if (!m) throw new FuncError('Invalid Semantic Version');
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), pre: m[4] ?? '' };
}

function comparePre(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) < Number(y) ? -1 : 1;
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return pa.length === pb.length ? 0 : pa.length < pb.length ? -1 : 1;
}

export function compareVersions(a: Version, b: Version): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  return comparePre(a.pre, b.pre);
}

const isX = (s: string | undefined) => s === 'x' || s === 'X' || s === '*';

function parseConstraint(text: string): Constraint {
  const m = CONSTRAINT.exec(text);
  if (!m) throw new FuncError(`improper constraint: ${text}`);
  const [major, minor, patch] = m[2]!.replace(/^v/, '').split(/[-+]/)[0]!.split('.');
  const pre = /-([0-9A-Za-z.-]+)/.exec(m[2]!.replace(/\+.*$/, ''))?.[1] ?? '';
  let flags = { dirty: false, minorDirty: false, patchDirty: false };
  let ver = `${major}.${minor ?? 0}.${patch ?? 0}`;
  if (isX(major)) [ver, flags] = ['0.0.0', { dirty: true, minorDirty: false, patchDirty: false }];
  else if (minor === undefined || isX(minor)) [ver, flags] = [`${major}.0.0`, { dirty: true, minorDirty: true, patchDirty: false }];
  else if (patch === undefined || isX(patch)) [ver, flags] = [`${major}.${minor}.0`, { dirty: true, minorDirty: false, patchDirty: true }];
  const con = parseVersion(pre ? `${ver}-${pre}` : ver);
  return { op: m[1] ?? '', con, ...flags };
}

function tilde(v: Version, c: Constraint): boolean {
  if (compareVersions(v, c.con) < 0) return false;
  const { major, minor, patch } = c.con;
  if (major === 0 && minor === 0 && patch === 0 && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== major) return false;
  return v.minor === minor || c.minorDirty;
}

function caret(v: Version, c: Constraint): boolean {
  if (compareVersions(v, c.con) < 0) return false;
  if (c.con.major > 0 || c.minorDirty) return v.major === c.con.major;
  if (v.major > 0) return false;
  if (c.con.minor > 0 || c.patchDirty) return v.minor === c.con.minor;
  if (v.minor > 0) return false;
  return v.patch === c.con.patch;
}

function greater(v: Version, c: Constraint): boolean {
  if (!c.dirty) return compareVersions(v, c.con) > 0;
  if (v.major !== c.con.major) return v.major > c.con.major;
  if (c.minorDirty) return false; // >11 needs 12 or above: 11.1.0 is not greater
  if (c.patchDirty) return v.minor > c.con.minor;
  return compareVersions(v, c.con) > 0;
}

function lessOrEqual(v: Version, c: Constraint): boolean {
  if (!c.dirty) return compareVersions(v, c.con) <= 0;
  if (v.major > c.con.major) return false;
  return !(v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty);
}

function notEqual(v: Version, c: Constraint): boolean {
  if (!c.dirty) return compareVersions(v, c.con) !== 0;
  if (v.pre !== '' && c.con.pre === '') return false;
  if (c.con.major !== v.major) return true;
  if (c.minorDirty) return false;
  if (c.con.minor !== v.minor) return true;
  return !c.patchDirty && c.con.patch !== v.patch;
}

function check(v: Version, c: Constraint): boolean {
  if (c.op === '!=') return notEqual(v, c);
  if (v.pre !== '' && c.con.pre === '') return false;
  switch (c.op) {
    case '':
    case '=':
      return c.dirty ? tilde(v, c) : compareVersions(v, c.con) === 0;
    case '>':
      return greater(v, c);
    case '<':
      return compareVersions(v, c.con) < 0;
    case '>=':
    case '=>':
      return compareVersions(v, c.con) >= 0;
    case '<=':
    case '=<':
      return lessOrEqual(v, c);
    case '~':
    case '~>':
      return tilde(v, c);
    default:
      return caret(v, c);
  }
}

/** True when `version` satisfies `constraint`; an invalid either is an error, as in sprig. */
export function semverCompare(constraint: string, version: string): boolean {
  const groups = constraint.split('||').map((g) =>
    g
      .replace(HYPHEN, ' >= $1, <= $2 ')
      .replace(/(!=|>=|=>|<=|=<|~>|[=><~^])\s+/g, '$1')
      .split(/[\s,]+/)
      .filter((p) => p !== '')
      .map(parseConstraint),
  );
  if (groups.some((g) => g.length === 0)) throw new FuncError(`improper constraint: ${constraint}`);
  const v = parseVersion(version);
  return groups.some((g) => g.every((c) => check(v, c)));
}
