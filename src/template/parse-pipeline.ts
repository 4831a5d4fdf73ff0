// Pipelines, commands and operands, as Go's parser reads them: an optional declaration
// (`$x :=`, `$x =`, and in range `$i, $v :=`), then commands separated by `|`, each a list of
// operands separated by spaces; `.a.b`, `$x.a` and `(pipeline).a` are field chains.
import { argText, type Arg, type Command, type Pipe } from './ast.ts';
import { TemplateError } from './errors.ts';
import type { Token } from './lexer.ts';
import { unexpected, type TokenStream } from './parser.ts';

export function parsePipeline(s: TokenStream, context: string, end: 'right' | 'rparen'): Pipe {
  const pipe: Pipe = { offset: s.peekNonSpace().offset, decl: [], isAssign: false, cmds: [] };
  declarations(s, pipe, context);
  for (;;) {
    const t = s.nextNonSpace();
    if (t.type === end) {
      checkPipeline(pipe, context, t);
      return pipe;
    }
    if (!STARTS_OPERAND.has(t.type)) unexpected(t, context);
    s.backup();
    pipe.cmds.push(command(s));
  }
}

const STARTS_OPERAND = new Set<Token['type']>(['bool', 'char', 'dot', 'field', 'ident', 'number', 'nil', 'string', 'variable', 'lparen']);

function declarations(s: TokenStream, pipe: Pipe, context: string): void {
  for (;;) {
    const v = s.peekNonSpace();
    if (v.type !== 'variable') return;
    s.nextNonSpace();
    const afterVar = s.peek();
    const next = s.peekNonSpace();
    if (next.type === 'declare' || next.type === 'assign') {
      s.nextNonSpace();
      pipe.isAssign = next.type === 'assign';
      pipe.decl.push(v.value);
      s.vars.push(v.value);
      return;
    }
    if (next.type === 'comma') {
      s.nextNonSpace();
      pipe.decl.push(v.value);
      s.vars.push(v.value);
      if (context === 'range' && pipe.decl.length < 2) {
        if (s.peekNonSpace().type === 'variable') continue;
        throw new TemplateError('parse', 'range can only initialize variables', next.offset);
      }
      throw new TemplateError('parse', `too many declarations in ${context}`, next.offset);
    }
    s.backup(afterVar.type === 'space' ? 2 : 1);
    return;
  }
}

function checkPipeline(pipe: Pipe, context: string, at: Token): void {
  if (pipe.cmds.length === 0) throw new TemplateError('parse', `missing value for ${context}`, at.offset);
  pipe.cmds.slice(1).forEach((c, i) => {
    if (['bool', 'dot', 'nil', 'number', 'string'].includes(c.args[0]!.type)) {
      throw new TemplateError('parse', `non executable command in pipeline stage ${i + 2}`, c.offset);
    }
  });
}

function command(s: TokenStream): Command {
  const cmd: Command = { offset: s.peekNonSpace().offset, args: [] };
  for (;;) {
    s.peekNonSpace();
    const a = operand(s);
    if (a) cmd.args.push(a);
    const t = s.next();
    if (t.type === 'space') continue;
    if (t.type === 'right' || t.type === 'rparen') s.backup();
    else if (t.type !== 'pipe') unexpected(t, 'operand');
    break;
  }
  if (cmd.args.length === 0) throw new TemplateError('parse', 'empty command', cmd.offset);
  return cmd;
}

function operand(s: TokenStream): Arg | undefined {
  const node = term(s);
  if (!node || s.peek().type !== 'field') return node;
  const fields: string[] = [];
  while (s.peek().type === 'field') fields.push(s.next().value);
  switch (node.type) {
    case 'field':
    case 'variable':
      return { ...node, idents: [...node.idents, ...fields] };
    case 'bool':
    case 'string':
    case 'number':
    case 'nil':
    case 'dot':
      throw new TemplateError('parse', `unexpected . after term ${JSON.stringify(argText(node))}`, node.offset);
    default:
      return { type: 'chain', node, fields, offset: node.offset };
  }
}

function term(s: TokenStream): Arg | undefined {
  const t = s.nextNonSpace();
  const offset = t.offset;
  switch (t.type) {
    case 'ident':
      if (!s.hasFunction(t.value)) throw new TemplateError('parse', `function "${t.value}" not defined`, offset);
      return { type: 'ident', name: t.value, offset };
    case 'dot':
      return { type: 'dot', offset };
    case 'nil':
      return { type: 'nil', offset };
    case 'variable':
      if (!s.vars.includes(t.value)) throw new TemplateError('parse', `undefined variable "${t.value}"`, offset);
      return { type: 'variable', idents: [t.value], offset };
    case 'field':
      return { type: 'field', idents: [t.value], offset };
    case 'bool':
      return { type: 'bool', value: t.value === 'true', offset };
    case 'number':
    case 'char':
      return { type: 'number', value: numberValue(t), text: t.value, offset };
    case 'lparen': {
      s.enter(t);
      const pipe = parsePipeline(s, 'parenthesized pipeline', 'rparen');
      s.nesting--;
      return { type: 'pipe', pipe, offset };
    }
    case 'string':
      return { type: 'string', value: t.value, offset };
  }
  s.backup();
  return undefined;
}

function numberValue(t: Token): number {
  if (t.type === 'char') return t.value.codePointAt(0)!;
  const text = t.value.replace(/_/g, '');
  if (text.endsWith('i')) throw new TemplateError('unsupported', `complex number ${t.value} is not supported`, t.offset);
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '');
  const hex = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(body);
  const n = hex ? hexFloat(hex[1]!, hex[2] ?? '', Number(hex[3])) : /^0[0-7]+$/.test(body) ? parseInt(body, 8) : Number(body);
  if (!Number.isFinite(n)) throw new TemplateError('parse', `illegal number syntax: "${t.value}"`, t.offset);
  return sign * n;
}

/** Go's hexadecimal floating-point literal: 0x1.ep+2 is (1 + 14/16) * 2^2 = 7.5. */
function hexFloat(whole: string, frac: string, exp: number): number {
  const mantissa = parseInt(whole || '0', 16) + (frac ? parseInt(frac, 16) / 16 ** frac.length : 0);
  return mantissa * 2 ** exp;
}
