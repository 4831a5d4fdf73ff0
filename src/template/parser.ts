// Go text/template's parser: control structures (if/else if/else, range with else, break and
// continue, with/else with, define, template, block) over the lexer's tokens. Pipelines and
// operands are parsed in parse-pipeline.ts. As in Go, a variable must be declared before use and
// a function must exist when the template is parsed, not when a branch happens to run.
import type { Node, Parsed, Pipe } from './ast.ts';
import { TemplateError } from './errors.ts';
import { lex, type Token } from './lexer.ts';
import { parsePipeline } from './parse-pipeline.ts';

const MAX_NESTING = 500;

export class TokenStream {
  private i = 0;
  /** Variables in scope, innermost last; `$` is always first. */
  vars: string[] = ['$'];
  rangeDepth = 0;
  /** Nesting of control structures and parentheses, bounded as Go bounds it (max expression depth). */
  nesting = 0;

  constructor(
    private readonly tokens: Token[],
    readonly hasFunction: (name: string) => boolean,
  ) {}

  next(): Token {
    return this.tokens[Math.min(this.i++, this.tokens.length - 1)]!;
  }
  peek(): Token {
    return this.tokens[Math.min(this.i, this.tokens.length - 1)]!;
  }
  backup(n = 1): void {
    this.i -= n;
  }
  nextNonSpace(): Token {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }
  peekNonSpace(): Token {
    let j = this.i;
    while (this.tokens[j]?.type === 'space') j++;
    return this.tokens[Math.min(j, this.tokens.length - 1)]!;
  }
  /** Enters one level of nesting; parsing recurses per level, and a hostile text must not exhaust the stack. */
  enter(at: Token): void {
    if (++this.nesting > MAX_NESTING) throw new TemplateError('parse', 'max expression depth exceeded', at.offset);
  }
  expect(type: Token['type'], context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) unexpected(t, context);
    return t;
  }
  popVars(n: number): void {
    this.vars.length = n;
  }
}

export function unexpected(t: Token, context: string): never {
  const what = t.type === 'eof' ? 'EOF' : t.type === 'right' ? '"}}"' : t.type === 'keyword' ? `<${t.value}>` : JSON.stringify(t.value);
  throw new TemplateError('parse', `unexpected ${what} in ${context}`, t.offset);
}

type End = { kind: 'end' | 'else'; token: Token };

export function parse(text: string, hasFunction: (name: string) => boolean): Parsed {
  const s = new TokenStream(lex(text), hasFunction);
  const parsed: Parsed = { main: [], defines: new Map() };
  for (;;) {
    const t = s.peek();
    if (t.type === 'eof') return parsed;
    if (t.type === 'left') {
      s.next();
      if (s.peekNonSpace().type === 'keyword' && s.peekNonSpace().value === 'define') {
        s.nextNonSpace();
        parseDefinition(s, parsed);
        continue;
      }
      s.backup();
    }
    const n = textOrAction(s, parsed);
    if ('kind' in n) throw new TemplateError('parse', `unexpected {{${n.kind}}}`, n.token.offset);
    parsed.main.push(n);
  }
}

function parseDefinition(s: TokenStream, parsed: Parsed): void {
  const name = templateName(s.nextNonSpace(), 'define clause');
  s.expect('right', 'define clause');
  const outer = s.vars;
  s.vars = ['$'];
  const [body, end] = itemList(s, parsed);
  if (end.kind !== 'end') throw new TemplateError('parse', `unexpected {{${end.kind}}} in define clause`, end.token.offset);
  addTemplate(parsed, name, body, end.token.offset);
  s.vars = outer;
}

/** Go lets a template be defined twice only when one of the definitions is empty (whitespace). */
function addTemplate(parsed: Parsed, name: string, body: Node[], offset: number): void {
  const old = parsed.defines.get(name);
  const blank = (l: Node[]) => l.every((n) => n.type === 'text' && n.text.trim() === '');
  if (old && !blank(old) && !blank(body)) throw new TemplateError('parse', `template: multiple definition of template "${name}"`, offset);
  if (!old || !blank(body)) parsed.defines.set(name, body);
}

function templateName(t: Token, context: string): string {
  if (t.type !== 'string') unexpected(t, context);
  return t.value;
}

/** Nodes up to the `{{end}}` or `{{else}}` that closes them. */
function itemList(s: TokenStream, parsed: Parsed): [Node[], End] {
  const list: Node[] = [];
  while (s.peekNonSpace().type !== 'eof') {
    const n = textOrAction(s, parsed);
    if ('kind' in n) return [list, n];
    list.push(n);
  }
  throw new TemplateError('parse', 'unexpected EOF', s.peek().offset);
}

function textOrAction(s: TokenStream, parsed: Parsed): Node | End {
  const t = s.nextNonSpace();
  if (t.type === 'text') return { type: 'text', text: t.value, offset: t.offset };
  if (t.type === 'left') return action(s, parsed, t);
  return unexpected(t, 'input');
}

function action(s: TokenStream, parsed: Parsed, left: Token): Node | End {
  const t = s.nextNonSpace();
  if (t.type === 'keyword') {
    switch (t.value) {
      case 'end':
        s.expect('right', 'end');
        return { kind: 'end', token: t };
      case 'else': {
        const next = s.peekNonSpace();
        if (!(next.type === 'keyword' && (next.value === 'if' || next.value === 'with'))) s.expect('right', 'else');
        return { kind: 'else', token: t };
      }
      case 'if':
      case 'with':
      case 'range':
        return control(s, parsed, t.value, left.offset);
      case 'break':
      case 'continue':
        if (s.rangeDepth === 0) throw new TemplateError('parse', `{{${t.value}}} outside {{range}}`, t.offset);
        s.expect('right', `{{${t.value}}}`);
        return { type: t.value, offset: left.offset };
      case 'template':
        return templateControl(s, left.offset);
      case 'block':
        return blockControl(s, parsed, left.offset);
      default:
        unexpected(t, 'command');
    }
  }
  s.backup();
  return { type: 'action', pipe: parsePipeline(s, 'command', 'right'), offset: left.offset };
}

function control(s: TokenStream, parsed: Parsed, context: 'if' | 'with' | 'range', offset: number): Node {
  s.enter(s.peek());
  const mark = s.vars.length;
  const pipe = parsePipeline(s, context, 'right');
  if (context === 'range') s.rangeDepth++;
  const [list, next] = itemList(s, parsed);
  if (context === 'range') s.rangeDepth--;
  let elseList: Node[] | undefined;
  if (next.kind === 'else') {
    const after = s.peekNonSpace();
    if (context !== 'range' && after.type === 'keyword' && after.value === context) {
      // `{{else if b}}` is `{{else}}{{if b}}…{{end}}{{end}}` with the inner end shared.
      s.nextNonSpace();
      elseList = [control(s, parsed, context, next.token.offset)];
    } else {
      const [list2, end] = itemList(s, parsed);
      if (end.kind !== 'end') throw new TemplateError('parse', `expected end; found {{else}}`, end.token.offset);
      elseList = list2;
    }
  }
  s.popVars(mark);
  s.nesting--;
  return { type: context, pipe, list, ...(elseList ? { elseList } : {}), offset } as Node;
}

function templateControl(s: TokenStream, offset: number): Node {
  const name = templateName(s.nextNonSpace(), 'template clause');
  let pipe: Pipe | undefined;
  if (s.nextNonSpace().type !== 'right') {
    s.backup();
    pipe = parsePipeline(s, 'template clause', 'right');
  }
  return { type: 'template', name, ...(pipe ? { pipe } : {}), offset };
}

function blockControl(s: TokenStream, parsed: Parsed, offset: number): Node {
  const name = templateName(s.nextNonSpace(), 'block clause');
  const pipe = parsePipeline(s, 'block clause', 'right');
  const outer = s.vars;
  const outerDepth = s.rangeDepth;
  s.vars = ['$'];
  s.rangeDepth = 0;
  const [body, end] = itemList(s, parsed);
  if (end.kind !== 'end') throw new TemplateError('parse', `unexpected {{${end.kind}}} in block clause`, end.token.offset);
  addTemplate(parsed, name, body, offset);
  s.vars = outer;
  s.rangeDepth = outerDepth;
  return { type: 'template', name, pipe, offset };
}
