// Reads status files back, for the subset of YAML status-writer.ts writes (block style, two-space
// indents, `- ` items under their key, plain and double-quoted scalars, `|` literals). Kept beside
// the full parser for speed alone: `yaml.parse` costs about half a second per megabyte, and a 10k
// fleet's restart reads tens of megabytes. Anything outside the subset (hand edits with flow style,
// anchors, comments, odd scalars, tabs) returns undefined and the caller uses the full parser: it
// may decline, it must never read a document differently from `yaml` (status-reader.test.ts).

import { Decline, decline, scalar } from '../load/yaml-scalar.ts';
import { lineScalar, literalHeader, plain, plainKey } from './status-writer.ts';

/** The document as `yaml.parse` would give it, or undefined when outside the subset. */
export function parseStatusYaml(text: string): unknown {
  return readStatusYaml(text)?.doc;
}

export interface StatusRead {
  doc: unknown;
  /** How many `#` lines come first. */
  comments: number;
  /**
   * The lines after those comments are byte for byte what writeStatusYaml writes for `doc`, and
   * its keys are sorted at every level: a renderer that would write `doc` can take the text as it is.
   */
  canonical: boolean;
}

/** parseStatusYaml, and whether the text is the one the status writer writes for what it holds. */
export function readStatusYaml(text: string): StatusRead | undefined {
  // Line terminators other than \n (which no value of the writer's holds raw) go to the full
  // parser: the lines below then need no check of their own (see keyEnd).
  if (text.includes('\r') || text.includes('\u2028') || text.includes('\u2029')) return undefined;
  const lines = text.split('\n');
  const newlineAtEnd = lines[lines.length - 1] === '';
  if (newlineAtEnd) lines.pop();
  let pos = 0;
  while (pos < lines.length && lines[pos]!.startsWith('#')) pos++;
  if (pos >= lines.length) return undefined;
  try {
    const r = new Reader(lines, pos);
    const doc = r.block(0);
    if (r.pos !== lines.length) decline();
    return { doc, comments: pos, canonical: r.canonical && newlineAtEnd };
  } catch (err) {
    if (err instanceof Decline) return undefined;
    throw err;
  }
}

/** [A-Za-z0-9_./-] by char code; `first`: without `.`, `/` and `-`. */
function keyChar(c: number, first: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || (!first && (c === 46 || c === 47 || c === 45));
}

/**
 * `/^([A-Za-z0-9_][A-Za-z0-9_./-]*): ?(.*)$/.exec(line)` without a regular expression (most of
 * reading a status file was this): [key, value], or undefined when the line is not `key: value`.
 */
export function splitKey(line: string): [string, string] | undefined {
  const end = keyEnd(line);
  // `.` matches no line terminator: a value holding one is not a `key: value` line.
  if (end < 0 || ANY_TERMINATOR.test(line)) return undefined;
  return [line.slice(0, end), line.slice(valueStart(line, end))];
}

/** Where the key of a `key: value` line ends (its `:`), or -1; line terminators aside (see splitKey). */
function keyEnd(line: string): number {
  let i = 0;
  while (i < line.length && keyChar(line.charCodeAt(i), i === 0)) i++;
  return i === 0 || line.charCodeAt(i) !== 58 ? -1 : i;
}

/** Where the value starts after the `:` at `end`: one space is the separator's. */
function valueStart(line: string, end: number): number {
  return line.charCodeAt(end + 1) === 32 ? end + 2 : end + 1;
}

/**
 * Whether the writer writes a key that keyEnd took as it is, not quoted: keyEnd allows only the
 * characters of a plain key, and no `.`, `/` or `-` first; a digit first the writer quotes, and
 * so a special word (`on`, `y`, `null`: five letters at most).
 */
function writtenPlain(key: string): boolean {
  const first = key.charCodeAt(0);
  return !(first >= 48 && first <= 57) && (key.length > 5 || plainKey(key));
}

const ANY_TERMINATOR = /[\n\r\u2028\u2029]/;

class Reader {
  /** Nothing seen yet that the status writer would write otherwise (see StatusRead). */
  canonical = true;

  constructor(
    readonly lines: string[],
    public pos: number,
  ) {}

  indentOf(line: string): number {
    let i = 0;
    while (line.charCodeAt(i) === 32) i++;
    if (line.charCodeAt(i) === 9) decline(); // tabs: leave it to the full parser
    return i;
  }

  /** A mapping or sequence whose lines start at exactly `indent`. */
  block(indent: number): unknown {
    const line = this.lines[this.pos];
    if (line === undefined || this.indentOf(line) !== indent) return decline();
    return line.startsWith('- ', indent) ? this.sequence(indent) : this.mapping(indent, line.slice(indent));
  }

  mapping(indent: number, first: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let rest: string = first;
    let previous: string | undefined;
    for (;;) {
      const end = keyEnd(rest);
      if (end < 0) return decline();
      const key = rest.slice(0, end);
      if (Object.hasOwn(out, key) || key === '__proto__') decline();
      // The writer's keys come sorted, plain only where it would not quote them, and `key:` ends a line that has no value.
      if (this.canonical && ((previous !== undefined && key < previous) || !writtenPlain(key) || rest.length === end + 2)) this.canonical = false;
      previous = key;
      this.pos++;
      out[key] = this.value(rest.slice(valueStart(rest, end)), indent, rest.length > end + 1 && rest.charCodeAt(end + 1) !== 32);
      const next: string | undefined = this.lines[this.pos];
      if (next === undefined || this.indentOf(next) !== indent || next.startsWith('- ', indent)) return out;
      rest = next.slice(indent);
    }
  }

  sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const line = this.lines[this.pos]!;
      const item = line.slice(indent + 2);
      if (item.startsWith('- ') || item === '-' || item === '') decline();
      out.push(keyEnd(item) >= 0 ? this.mapping(indent + 2, item) : (this.pos++, this.scalar(item)));
      const next = this.lines[this.pos];
      if (next === undefined || this.indentOf(next) !== indent || !next.startsWith('- ', indent)) return out;
    }
  }

  /** What follows `key:`; the key's line has been consumed. */
  value(text: string, indent: number, glued: boolean): unknown {
    if (glued) decline(); // `key:value` is a plain scalar key, not a pair
    if (text === '') {
      const next = this.lines[this.pos];
      if (next === undefined) return decline();
      const n = this.indentOf(next);
      // `key:` followed by its block: items at indent+2 (indentSeq) or a deeper mapping.
      if (n === indent + 2) return this.block(indent + 2);
      if (n === indent && next.startsWith('- ', indent)) return decline(); // compact sequences: not ours
      return decline();
    }
    if (text === '|' || text === '|-' || text === '|+') {
      const content = this.literal(indent + 2, text);
      if (this.canonical && literalHeader(content) !== text) this.canonical = false;
      return content;
    }
    return this.scalar(text);
  }

  literal(contentIndent: number, header: string): string {
    const body: string[] = [];
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos]!;
      if (line === '') {
        if (body.length === 0) decline(); // leading blank lines: indentation detection, not ours
        body.push('');
      } else if (line.trim() === '') {
        decline(); // whitespace-only lines: content or not depends on indentation rules, not ours
      } else {
        const n = this.indentOf(line);
        if (n < contentIndent) break;
        if (body.length === 0 && n !== contentIndent) decline();
        body.push(line.slice(contentIndent));
      }
      this.pos++;
    }
    if (body.length === 0) decline();
    let trailing = 0;
    while (trailing < body.length && body[body.length - 1 - trailing] === '') trailing++;
    if (trailing > 0) this.canonical = false; // blank lines the writer never leaves
    // Blank lines that stop a literal before a less-indented line belong to it only as newlines.
    const content = body.slice(0, body.length - trailing).join('\n');
    switch (header) {
      case '|-':
        return content;
      case '|':
        return `${content}\n`;
      default:
        return `${content}\n${'\n'.repeat(trailing)}`;
    }
  }

  /** A one-line scalar as the manifest reader reads it; trailing spaces (which YAML drops) go to the full parser. */
  scalar(text: string): unknown {
    // What the writer writes plain is a string to every YAML reader, and canonical: one pass over
    // the characters decides most values (status-writer.test.ts holds the writer to it).
    if (plain(text)) return text;
    if (text.endsWith(' ')) decline();
    const v = scalar(text);
    // `{}` and `[]` read as the empty mapping and sequence, which the writer writes so.
    if (this.canonical && (v === null || typeof v !== 'object') && lineScalar(v) !== text) this.canonical = false;
    return v;
  }
}
