// Go text/template's lexer: the template text becomes text pieces and, inside `{{ … }}`, the
// tokens of actions. `{{- ` and ` -}}` trim the whitespace of the neighbouring text, as in Go
// (a trim marker needs a space next to it: `{{-3}}` is the number -3). Comments `{{/* … */}}`
// produce no token. Every token carries its offset in the template text for error positions.
import { TemplateError } from './errors.ts';

export type TokenType =
  | 'text' | 'left' | 'right' | 'space' | 'ident' | 'keyword' | 'field' | 'variable' | 'string'
  | 'char' | 'number' | 'bool' | 'nil' | 'dot' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign'
  | 'comma' | 'eof';

export interface Token {
  type: TokenType;
  /** The source text of the token; for strings the unquoted value, for fields the name without `.`. */
  value: string;
  offset: number;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);
const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{Nd}_]/u;

export function lex(text: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos <= text.length) {
    const open = text.indexOf('{{', pos);
    let literal = text.slice(pos, open < 0 ? text.length : open);
    let litStart = pos;
    if (trimNext) {
      const trimmed = literal.replace(/^[ \t\r\n]+/, '');
      litStart += literal.length - trimmed.length;
      literal = trimmed;
    }
    if (open < 0) {
      if (literal) out.push({ type: 'text', value: literal, offset: litStart });
      break;
    }
    let inner = open + 2;
    if (text[inner] === '-' && SPACE.test(text[inner + 1] ?? '')) {
      literal = literal.replace(/[ \t\r\n]+$/, '');
      inner += 2;
    }
    if (literal) out.push({ type: 'text', value: literal, offset: litStart });
    const after = text.startsWith('/*', inner) ? lexComment(text, open, inner) : lexAction(text, open, inner, out);
    pos = after.end;
    trimNext = after.trim;
  }
  out.push({ type: 'eof', value: '', offset: text.length });
  return out;
}

interface ActionEnd {
  end: number;
  trim: boolean;
}

function rightDelimAt(text: string, i: number): ActionEnd | undefined {
  if (SPACE.test(text[i] ?? '') && text[i + 1] === '-' && text.startsWith('}}', i + 2)) return { end: i + 4, trim: true };
  if (text.startsWith('}}', i)) return { end: i + 2, trim: false };
  return undefined;
}

function lexComment(text: string, open: number, start: number): ActionEnd {
  const close = text.indexOf('*/', start + 2);
  if (close < 0) throw new TemplateError('parse', 'unclosed comment', open);
  const end = rightDelimAt(text, close + 2);
  if (!end) throw new TemplateError('parse', 'comment ends before closing delimiter', open);
  return end;
}

function lexAction(text: string, open: number, start: number, out: Token[]): ActionEnd {
  out.push({ type: 'left', value: '{{', offset: open });
  let i = start;
  const depth = { parens: 0 };
  for (;;) {
    const end = rightDelimAt(text, i);
    if (end && depth.parens === 0) {
      out.push({ type: 'right', value: '}}', offset: i });
      return end;
    }
    if (i >= text.length) throw new TemplateError('parse', 'unclosed action', open);
    const c = text[i]!;
    if (SPACE.test(c)) {
      let j = i;
      while (j < text.length && SPACE.test(text[j]!) && !rightDelimAt(text, j)?.trim) j++;
      if (j === i) j++; // the space of ` -}}` when the delimiter follows nothing else
      out.push({ type: 'space', value: text.slice(i, j), offset: i });
      i = j;
    } else if (end) {
      throw new TemplateError('parse', 'unclosed left paren', i);
    } else {
      i = lexToken(text, i, out, depth);
    }
  }
}

function lexToken(text: string, i: number, out: Token[], depth: { parens: number }): number {
  const c = text[i]!;
  const push = (type: TokenType, value: string, end: number): number => {
    out.push({ type, value, offset: i });
    return end;
  };
  if (c === '|') return push('pipe', c, i + 1);
  if (c === ',') return push('comma', c, i + 1);
  if (c === '(') {
    depth.parens++;
    return push('lparen', c, i + 1);
  }
  if (c === ')') {
    if (--depth.parens < 0) throw new TemplateError('parse', 'unexpected right paren', i);
    return push('rparen', c, i + 1);
  }
  if (c === ':') {
    if (text[i + 1] !== '=') throw new TemplateError('parse', 'expected :=', i);
    return push('declare', ':=', i + 2);
  }
  if (c === '=') return push('assign', c, i + 1);
  if (c === '"') return lexQuote(text, i, out);
  if (c === '`') {
    const close = text.indexOf('`', i + 1);
    if (close < 0) throw new TemplateError('parse', 'unterminated raw quoted string', i);
    return push('string', text.slice(i + 1, close), close + 1);
  }
  if (c === "'") return lexChar(text, i, out);
  if (c === '$') return lexWord(text, i, i + 1, 'variable', out);
  if (c === '.' && !/[0-9]/.test(text[i + 1] ?? '')) {
    if (!ALNUM.test(text[i + 1] ?? '')) return push('dot', '.', i + 1);
    return lexWord(text, i, i + 1, 'field', out);
  }
  if (/[-+.0-9]/.test(c)) return lexNumber(text, i, out);
  if (ALNUM.test(c)) return lexWord(text, i, i, 'ident', out);
  throw new TemplateError('parse', `unrecognized character in action: ${JSON.stringify(c)}`, i);
}

function lexWord(text: string, at: number, from: number, type: TokenType, out: Token[]): number {
  let j = from;
  while (j < text.length && ALNUM.test(text[j]!)) j++;
  const word = text.slice(at, j);
  checkTerminator(text, j, at);
  if (type === 'field') out.push({ type, value: text.slice(from, j), offset: at });
  else if (type === 'variable') out.push({ type, value: word, offset: at });
  else if (KEYWORDS.has(word)) out.push({ type: 'keyword', value: word, offset: at });
  else if (word === 'true' || word === 'false') out.push({ type: 'bool', value: word, offset: at });
  else if (word === 'nil') out.push({ type: 'nil', value: word, offset: at });
  else out.push({ type: 'ident', value: word, offset: at });
  return j;
}

function checkTerminator(text: string, j: number, at: number): void {
  const c = text[j];
  if (c === undefined || SPACE.test(c) || '.,|:)('.includes(c) || c === '=' || text.startsWith('}}', j)) return;
  throw new TemplateError('parse', `bad character ${JSON.stringify(c)}`, at);
}

const NUMBER = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[oO][0-7_]+|0[bB][01_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/;

function lexNumber(text: string, i: number, out: Token[]): number {
  const m = NUMBER.exec(text.slice(i))!;
  const j = i + m[0].length;
  if (!/[0-9]/.test(m[0]) || ALNUM.test(text[j] ?? '')) throw new TemplateError('parse', `bad number syntax: "${text.slice(i, Math.max(j, i + 1))}"`, i);
  out.push({ type: 'number', value: m[0], offset: i });
  return j;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** Go's interpreted string syntax: the escapes of strconv.Unquote. */
function unescape(body: string, at: number): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/gs, (_m, e: string) => {
    if (e.length === 1) {
      const v = ESCAPES[e];
      if (v === undefined) throw new TemplateError('parse', `invalid syntax: unknown escape \\${e}`, at);
      return v;
    }
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return String.fromCodePoint(parseInt(e.slice(1), 16));
  });
}

function lexQuote(text: string, i: number, out: Token[]): number {
  let j = i + 1;
  while (j < text.length && text[j] !== '"') {
    if (text[j] === '\n') break;
    j += text[j] === '\\' ? 2 : 1;
  }
  if (j >= text.length || text[j] !== '"') throw new TemplateError('parse', 'unterminated quoted string', i);
  out.push({ type: 'string', value: unescape(text.slice(i + 1, j), i), offset: i });
  return j + 1;
}

function lexChar(text: string, i: number, out: Token[]): number {
  let j = i + 1;
  while (j < text.length && text[j] !== "'" && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
  if (text[j] !== "'") throw new TemplateError('parse', 'unterminated character constant', i);
  const value = unescape(text.slice(i + 1, j), i);
  if ([...value].length !== 1) throw new TemplateError('parse', `malformed character constant: ${text.slice(i, j + 1)}`, i);
  out.push({ type: 'char', value, offset: i });
  return j + 1;
}
