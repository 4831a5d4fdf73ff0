// The v1alpha1 label-selector string (`env=prod, tier in (a,b), !canary`), parsed into
// requirements with the grammar of k8s.io/apimachinery/pkg/labels.Parse. Errors carry the offset.
import { checkKey, checkValue, SelectorSyntaxError, type Requirement } from './label-syntax.ts';

type TokKind = 'id' | 'in' | 'notin' | '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<' | 'end';
interface Token {
  kind: TokKind;
  text: string;
  index: number;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (isSpace(c)) {
      i++;
    } else if (SPECIAL.has(c)) {
      const two = src.slice(i, i + 2);
      const kind = two === '==' || two === '!=' ? two : (c as TokKind);
      tokens.push({ kind, text: kind, index: i });
      i += kind.length;
    } else {
      const start = i;
      while (i < src.length && !isSpace(src[i]!) && !SPECIAL.has(src[i]!)) i++;
      const text = src.slice(start, i);
      tokens.push({ kind: text === 'in' ? 'in' : text === 'notin' ? 'notin' : 'id', text, index: start });
    }
  }
  tokens.push({ kind: 'end', text: '', index: src.length });
  return tokens;
}

/** Parses the v1alpha1 string form into requirements; an all-blank string yields none. */
export function parseSelectorString(src: string): Requirement[] {
  const p = new Parser(tokenize(src));
  const out: Requirement[] = [];
  if (p.peek().kind === 'end') return out;
  for (;;) {
    out.push(p.requirement());
    const t = p.next();
    if (t.kind === 'end') return out;
    if (t.kind !== ',') p.fail(t, '"," or end of selector');
    if (p.peek().kind === 'end') p.fail(p.peek(), 'a requirement after ","');
  }
}

/** A value token: `in` and `notin` are plain words after an operator. */
const isWord = (t: Token): boolean => t.kind === 'id' || t.kind === 'in' || t.kind === 'notin';

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.pos]!;
  }

  next(): Token {
    return this.tokens[this.pos++]!;
  }

  fail(t: Token, what: string): never {
    throw new SelectorSyntaxError(`expected ${what}, found ${t.kind === 'end' ? 'end of selector' : `"${t.text}"`}`, t.index);
  }

  /** `!key`, `key`, `key=v`, `key!=v`, `key in (…)`, `key notin (…)`, `key>n`, `key<n`. */
  requirement(): Requirement {
    const t = this.next();
    if (t.kind === '!') {
      const key = this.next();
      if (key.kind !== 'id') this.fail(key, 'a label key after "!"');
      checkKey(key.text, undefined, key.index);
      return { key: key.text, op: 'DoesNotExist', values: [] };
    }
    if (t.kind !== 'id') this.fail(t, 'a label key');
    checkKey(t.text, undefined, t.index);
    const key = t.text;
    const op = this.peek();
    switch (op.kind) {
      case 'end':
      case ',':
        return { key, op: 'Exists', values: [] };
      case '=':
      case '==':
      case '!=':
        this.next();
        return { key, op: op.kind === '!=' ? 'NotEquals' : 'Equals', values: [this.value()] };
      case 'in':
      case 'notin':
        this.next();
        return { key, op: op.kind === 'in' ? 'In' : 'NotIn', values: this.valueList(op) };
      case '>':
      case '<': {
        this.next();
        const v = this.next();
        if (v.kind !== 'id' || !/^-?\d+$/.test(v.text)) this.fail(v, `an integer after "${op.text}"`);
        return { key, op: op.kind === '>' ? 'Gt' : 'Lt', values: [v.text] };
      }
      default:
        return this.fail(op, 'an operator (=, ==, !=, in, notin, >, <) or "," after the key');
    }
  }

  /** After `=`: `key=` (no value) is valid and means the label is present with an empty value. */
  private value(): string {
    const v = this.peek();
    if (v.kind === 'end' || v.kind === ',') return '';
    if (!isWord(v)) this.fail(v, 'a label value');
    this.next();
    checkValue(v.text, undefined, v.index);
    return v.text;
  }

  /** `(a, b)`; `(a,,b)` and `(a,)` hold an empty value, as Kubernetes reads them. */
  private valueList(op: Token): string[] {
    const open = this.next();
    if (open.kind !== '(') this.fail(open, `"(" after "${op.text}"`);
    const values: string[] = [];
    for (;;) {
      const v = this.peek();
      if (v.kind === ')' && values.length === 0) throw new SelectorSyntaxError(`"${op.text}" needs at least one value`, v.index);
      if (isWord(v)) {
        this.next();
        checkValue(v.text, undefined, v.index);
        values.push(v.text);
      } else if (v.kind === ',' || v.kind === ')') {
        values.push('');
      } else {
        this.fail(v, 'a label value');
      }
      const sep = this.next();
      if (sep.kind === ')') return values;
      if (sep.kind !== ',') this.fail(sep, '"," or ")" in the value list');
    }
  }
}
