// Reads manifests in the block-style YAML subset people and generators write (any indent, `- `
// items at or under their key, plain and quoted scalars, `|` literals, full-line comments, `---`
// between documents), with the place of every node, for the common case of loading a repository:
// the `yaml` package's parse with positions was most of a 10k fleet's load. Anything outside the
// subset (flow collections, anchors, tags, folded or multi-line scalars, tabs, CR, trailing
// comments, duplicate keys) returns undefined and the caller uses the `yaml` package. It may
// decline; it must never read a document differently from `yaml`, nor place a node elsewhere
// (test/load/block-yaml.test.ts compares both).
import { Decline, decline, keyIsString, plain, scalar } from './yaml-scalar.ts';

/** 1-based line and column, packed: line * 2^21 + col. */
export type PackedPos = number;
const COL_BITS = 2 ** 21;
export const unpack = (p: PackedPos): { line: number; col: number } => ({ line: Math.floor(p / COL_BITS), col: p % COL_BITS });

/** Where each node of a document is: a mapping's pairs by key (key place, value), a sequence's items. */
export type Shape =
  | { kind: 'map'; at: PackedPos; pairs: Map<string, { key: PackedPos; value: Shape }> }
  | { kind: 'seq'; at: PackedPos; items: Shape[] }
  | { kind: 'scalar'; at: PackedPos };

export interface BlockDocument {
  value: unknown;
  shape: Shape;
}

/** The documents of `text` with their shapes, or undefined when outside the subset. Empty documents are left out. */
export function readBlockYaml(text: string): BlockDocument[] | undefined {
  if (/[\t\r\uFEFF]/.test(text)) return undefined;
  const lines = text.split('\n');
  const unterminated = lines[lines.length - 1] !== '';
  if (!unterminated) lines.pop();
  const docs: BlockDocument[] = [];
  try {
    let from = 0;
    for (let i = 0; i <= lines.length; i++) {
      const line = lines[i];
      if (line !== undefined && !line.startsWith('---') && !line.startsWith('...') && !line.startsWith('%')) continue;
      if (line !== undefined && line !== '---') decline();
      const doc = readDocument(lines, from, i, unterminated && i === lines.length);
      if (doc) docs.push(doc);
      from = i + 1;
    }
  } catch (err) {
    if (err instanceof Decline) return undefined;
    throw err;
  }
  return docs;
}

function readDocument(lines: string[], from: number, to: number, unterminated: boolean): BlockDocument | undefined {
  const r = new Reader(lines, to, unterminated);
  r.pos = from;
  r.skip();
  if (r.pos >= to) return undefined;
  if (r.indentOf(lines[r.pos]!) !== 0) decline();
  const doc = r.block(0, 0);
  r.skip();
  if (r.pos !== to) decline();
  return doc;
}

const pack = (line: number, col: number): PackedPos => (line + 1) * COL_BITS + col + 1;

class Reader {
  pos = 0;
  constructor(
    readonly lines: string[],
    readonly end: number,
    readonly unterminated: boolean,
  ) {}

  indentOf(line: string): number {
    let i = 0;
    while (line.charCodeAt(i) === 32) i++;
    return i;
  }

  /** Past blank and comment lines. */
  skip(): void {
    while (this.pos < this.end) {
      const line = this.lines[this.pos]!;
      const i = this.indentOf(line);
      if (i < line.length && line.charCodeAt(i) !== 35) return;
      this.pos++;
    }
  }

  /** The next content line, or undefined at the end of the document. */
  peek(): string | undefined {
    this.skip();
    return this.pos < this.end ? this.lines[this.pos] : undefined;
  }

  /** A mapping or sequence whose first line (this.pos) starts at `indent`; `parent` is the indent of the key holding it. */
  block(indent: number, parent: number): BlockDocument {
    const line = this.lines[this.pos]!;
    if (isItem(line, indent)) return this.sequence(indent, parent);
    return this.mapping(indent, indent);
  }

  /** Pairs at `indent`; the first starts at column `first` of the current line (after `- ` in a sequence). */
  mapping(indent: number, first: number): BlockDocument {
    const value: Record<string, unknown> = {};
    const pairs = new Map<string, { key: PackedPos; value: Shape }>();
    const at = pack(this.pos, first);
    let col = first;
    for (;;) {
      const line = this.lines[this.pos]!;
      const end = keyEnd(line, col);
      if (end === col || line.charCodeAt(end) !== 58) return decline(); // `:`
      const key = line.slice(col, end);
      if (pairs.has(key) || key === '__proto__' || key === '<<' || !keyIsString(key)) decline();
      const keyAt = pack(this.pos, col);
      const after = col + key.length + 1;
      if (after < line.length && line.charCodeAt(after) !== 32) decline(); // `key:value` is one scalar
      const v = this.value(line, after, indent);
      value[key] = v.value;
      pairs.set(key, { key: keyAt, value: v.shape });
      const next = this.peek();
      if (next === undefined || this.indentOf(next) !== indent || isItem(next, indent)) return { value, shape: { kind: 'map', at, pairs } };
      col = indent;
    }
  }

  /** Items at `indent` (`- ` at that column); `parent` is the indent of the key holding the sequence. */
  sequence(indent: number, parent: number): BlockDocument {
    if (indent < parent) decline();
    const value: unknown[] = [];
    const items: Shape[] = [];
    const at = pack(this.pos, indent);
    for (;;) {
      const line = this.lines[this.pos]!;
      const col = indent + 2;
      const c = line.charCodeAt(col);
      if (c === 32 || Number.isNaN(c) || isItem(line, col)) decline(); // `-  x`, `- ` alone, `- - x`: not ours
      const item = isKeyLine(line, col) ? this.mapping(col, col) : this.scalarLine(line, col);
      value.push(item.value);
      items.push(item.shape);
      const next = this.peek();
      if (next === undefined || this.indentOf(next) !== indent || !isItem(next, indent)) return { value, shape: { kind: 'seq', at, items } };
    }
  }

  /** What follows `key:` at column `after` of the current line; consumes the lines of the value. */
  value(line: string, after: number, indent: number): BlockDocument {
    let col = after;
    while (line.charCodeAt(col) === 32) col++;
    if (col >= line.length) {
      this.pos++;
      const next = this.peek();
      if (next === undefined) return decline(); // `key:` alone is null: the full parser places it
      const n = this.indentOf(next);
      if (n > indent || (n === indent && isItem(next, indent))) return this.block(n, indent);
      return decline();
    }
    if (line.charCodeAt(col) === 124) return this.literal(line, col, indent); // `|`
    return this.scalarLine(line, col);
  }

  /** A scalar (or a one-line list of plain words) running from column `col` to the end of the current line. */
  scalarLine(line: string, col: number): BlockDocument {
    const text = line.slice(col).trimEnd();
    this.pos++;
    if (text.charCodeAt(0) === 91 && text !== '[]') return flowList(text, this.pos - 1, col);
    return { value: scalar(text), shape: { kind: 'scalar', at: pack(this.pos - 1, col) } };
  }

  /** A `|` literal whose header is at column `col`; its content is indented deeper than `indent`. */
  literal(line: string, col: number, indent: number): BlockDocument {
    const header = line.slice(col).trimEnd();
    if (header !== '|' && header !== '|-' && header !== '|+') decline();
    const at = pack(this.pos, col);
    this.pos++;
    const body: string[] = [];
    let contentIndent = -1;
    while (this.pos < this.end) {
      const text = this.lines[this.pos]!;
      if (text === '') {
        if (body.length === 0) decline(); // leading blank lines: indentation detection, not ours
        body.push('');
      } else {
        const n = this.indentOf(text);
        if (n === text.length) decline(); // whitespace-only lines: content or not depends on indentation rules
        if (contentIndent < 0) contentIndent = n;
        if (n < contentIndent) break;
        body.push(text.slice(contentIndent));
      }
      this.pos++;
    }
    if (body.length === 0 || contentIndent <= indent) decline();
    if (this.pos === this.end && this.unterminated) decline(); // no final line break: chomping differs
    let trailing = 0;
    while (trailing < body.length && body[body.length - 1 - trailing] === '') trailing++;
    const content = body.slice(0, body.length - trailing).join('\n');
    const value = header === '|-' ? content : header === '|' ? `${content}\n` : `${content}\n${'\n'.repeat(trailing)}`;
    return { value, shape: { kind: 'scalar', at } };
  }
}

const FLOW_WORD = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

/** `[a, b]` on one line, of plain words only (`values: [prod, staging]`). */
function flowList(text: string, line: number, col: number): BlockDocument {
  if (!text.endsWith(']')) decline();
  const value: unknown[] = [];
  const items: Shape[] = [];
  let start = 1;
  for (const part of text.slice(1, -1).split(',')) {
    const lead = part.length - part.trimStart().length;
    const word = part.trim();
    if (!FLOW_WORD.test(word)) decline();
    value.push(plain(word));
    items.push({ kind: 'scalar', at: pack(line, col + start + lead) });
    start += part.length + 1;
  }
  return { value, shape: { kind: 'seq', at: pack(line, col), items } };
}

/** Whether the line has a sequence item (`- `) at column `indent`. */
function isItem(line: string, indent: number): boolean {
  return line.charCodeAt(indent) === 45 && (line.charCodeAt(indent + 1) === 32 || line.length === indent + 1);
}

/** Whether a mapping starts at column `col`: a key followed by `: ` or `:` at the end of the line. */
function isKeyLine(line: string, col: number): boolean {
  const after = keyEnd(line, col);
  return after > col && line.charCodeAt(after) === 58 && (after + 1 === line.length || line.charCodeAt(after + 1) === 32);
}

/**
 * Where a key starting at column `col` ends: `[A-Za-z0-9_][A-Za-z0-9_./-]*` by char code, without
 * a slice and a regular expression per key (a 10k fleet has 180k keys); `col` when there is none.
 */
function keyEnd(line: string, col: number): number {
  const first = line.charCodeAt(col);
  if (!(isAlnum(first) || first === 95)) return col;
  let i = col + 1;
  for (let c = line.charCodeAt(i); isAlnum(c) || c === 95 || c === 46 || c === 47 || c === 45; c = line.charCodeAt(++i));
  return i;
}

const isAlnum = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
