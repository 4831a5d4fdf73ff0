// Writes a status document as YAML, by our own rules, so a status file's bytes depend on the data
// alone (never on the version of a YAML library): block style, two-space indents, sequences
// indented under their key, keys in the order given (the renderer sorts them). Scalars:
// - a string is written plain when it is unmistakably a string for any YAML reader (1.1 included:
//   `yes`, `on`, `0x1`, `1e3` are quoted), as a `|`/`|-` literal when it is multi-line text with
//   nothing a literal cannot carry, and otherwise double-quoted with JSON's escapes (valid YAML);
// - numbers as JavaScript writes them (`.nan`, `.inf`, `-.inf`, `-0.0` where that would not read
//   back), booleans, and null (also for an undefined list item; undefined map values are dropped).
// status-reader.ts reads this subset back quickly; `yaml.parse` reads all of it.

export function writeStatusYaml(doc: Readonly<Record<string, unknown>>): string {
  const out: string[] = [];
  if (Object.keys(doc).length === 0) return '{}\n';
  mapping(doc, 0, out, undefined);
  return out.join('');
}

const SPECIAL_WORD = /^(true|false|null|yes|no|on|off|y|n|~|nan|inf)$/i;
const NUMBERISH = /^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^0[xo]/i;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
// Characters a literal block cannot hold as they are (controls but newline, DEL, C1, line and
// paragraph separators, BOM); double quotes escape them.
const NOT_LITERAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
const ESCAPED_IN_QUOTES = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

/** ASCII characters for which `table` holds 1. */
function charTable(ranges: string): Uint8Array {
  const table = new Uint8Array(128);
  for (const ch of ranges) table[ch.charCodeAt(0)] = 1;
  return table;
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PLAIN_FIRST = charTable(`${ALNUM}_/(`);
const PLAIN_REST = charTable(`${ALNUM}_./:@+=(),~ -`);

/**
 * Written plain: only characters from PLAIN_REST (the first from PLAIN_FIRST), no `: ` or two
 * spaces, no final space or `:`, and no word or number a YAML reader takes for something else.
 * One pass over the characters (status reading checks every value of 76 MB against this).
 */
export function plain(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  const first = s.charCodeAt(0);
  if (first >= 128 || PLAIN_FIRST[first] === 0) return false;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || PLAIN_REST[c] === 0 || (c === 32 && (previous === 58 || previous === 32))) return false;
    previous = c;
  }
  if (previous === 32 || previous === 58) return false;
  // The special words have at most five letters; a number-like string starts with a digit here.
  return !(n <= 5 && SPECIAL_WORD.test(s)) && !(first >= 48 && first <= 57 && NUMBERISH.test(s));
}

/** JSON's string escapes are YAML's; the few characters JSON leaves as they are get `\u` too. */
function quoted(s: string): string {
  return JSON.stringify(s).replace(ESCAPED_IN_QUOTES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The header of multi-line text a literal carries exactly: `|` (one final newline) or `|-` (none). */
export function literalHeader(s: string): '|' | '|-' | undefined {
  if (!s.includes('\n') || s.startsWith('\n') || s.startsWith(' ') || s.endsWith('\n\n') || NOT_LITERAL.test(s)) return undefined;
  for (const line of s.split('\n')) {
    if (line.endsWith(' ') || (line.length > 0 && line.trim() === '')) return undefined;
  }
  return s.endsWith('\n') ? '|' : '|-';
}

function number(v: number): string {
  if (Number.isNaN(v)) return '.nan';
  if (v === Infinity) return '.inf';
  if (v === -Infinity) return '-.inf';
  return Object.is(v, -0) ? '-0.0' : String(v);
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return number(v);
    case 'string':
      return plain(v) ? v : quoted(v);
    default:
      throw new TypeError(`a status document holds plain data, not ${typeof v}`);
  }
}

/** What a scalar is written as on its key's (or dash's) line, or undefined when it is written as a literal block. */
export function lineScalar(v: unknown): string | undefined {
  return typeof v === 'string' && literalHeader(v) !== undefined ? undefined : scalar(v);
}

/** Whether `k` is written as it is (not quoted). */
export function plainKey(k: string): boolean {
  return PLAIN_KEY.test(k) && !(k.length <= 5 && SPECIAL_WORD.test(k));
}

function key(k: string): string {
  return plainKey(k) ? k : quoted(k);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty mapping; `prefix` starts its first line (`- ` of a sequence item), later lines are indented. */
function mapping(m: Readonly<Record<string, unknown>>, indent: number, out: string[], prefix: string | undefined): void {
  const pad = ' '.repeat(indent);
  let first = true;
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue;
    out.push(first && prefix !== undefined ? prefix : pad, key(k), ':');
    first = false;
    value(v, indent, out);
  }
  if (first) out.push(prefix ?? pad, '{}\n'); // only undefined values: an empty mapping
}

/** What follows `key:` on the current line, and the lines below it. */
function value(v: unknown, indent: number, out: string[]): void {
  if (Array.isArray(v)) {
    if (v.length === 0) return void out.push(' []\n');
    out.push('\n');
    return sequence(v, indent + 2, out, undefined);
  }
  if (isMap(v)) {
    if (Object.keys(v).length === 0) return void out.push(' {}\n');
    out.push('\n');
    return mapping(v, indent + 2, out, undefined);
  }
  text(v, indent + 2, out);
}

/** A non-empty sequence at `indent`; `prefix` starts its first line (an enclosing item's `- `). */
function sequence(items: readonly unknown[], indent: number, out: string[], prefix: string | undefined): void {
  const pad = ' '.repeat(indent);
  items.forEach((item, i) => {
    const dash = `${i === 0 && prefix !== undefined ? prefix : pad}- `;
    if (Array.isArray(item) && item.length > 0) sequence(item, indent + 2, out, dash);
    else if (isMap(item) && Object.keys(item).length > 0) mapping(item, indent + 2, out, dash);
    else if (Array.isArray(item)) out.push(dash, '[]\n');
    else if (isMap(item)) out.push(dash, '{}\n');
    else {
      out.push(dash.slice(0, -1));
      text(item, indent + 2, out);
    }
  });
}

/** A scalar after `key:` or `-`: on the same line, or as a literal block indented to `contentIndent`. */
function text(v: unknown, contentIndent: number, out: string[]): void {
  const header = typeof v === 'string' ? literalHeader(v) : undefined;
  if (header === undefined) return void out.push(' ', scalar(v), '\n');
  out.push(' ', header, '\n');
  const pad = ' '.repeat(contentIndent);
  const body = header === '|' ? (v as string).slice(0, -1) : (v as string);
  for (const line of body.split('\n')) out.push(line === '' ? '\n' : `${pad}${line}\n`);
}
