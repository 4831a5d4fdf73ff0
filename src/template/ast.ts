// The parse tree of a template, as Go's text/template/parse builds it: a list of nodes per
// template (the main one and each `define`/`block`), pipelines of commands, commands of operands.
// Every node keeps the offset of its first token for error positions.

export type Node = TextNode | ActionNode | IfNode | WithNode | RangeNode | TemplateNode | LoopControlNode;

export interface TextNode {
  type: 'text';
  text: string;
  offset: number;
}

/** `{{ pipeline }}`: prints the value unless the pipeline declares or assigns variables. */
export interface ActionNode {
  type: 'action';
  pipe: Pipe;
  offset: number;
}

export interface IfNode {
  type: 'if';
  pipe: Pipe;
  list: Node[];
  elseList?: Node[];
  offset: number;
}

export interface WithNode {
  type: 'with';
  pipe: Pipe;
  list: Node[];
  elseList?: Node[];
  offset: number;
}

export interface RangeNode {
  type: 'range';
  pipe: Pipe;
  list: Node[];
  elseList?: Node[];
  offset: number;
}

/** `{{ template "name" pipeline }}` (and the call half of `{{ block }}`). */
export interface TemplateNode {
  type: 'template';
  name: string;
  pipe?: Pipe;
  offset: number;
}

export interface LoopControlNode {
  type: 'break' | 'continue';
  offset: number;
}

export interface Pipe {
  offset: number;
  /** Variables declared (`$x :=`) or assigned (`$x =`); two only in `range $i, $v := …`. */
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
}

export interface Command {
  offset: number;
  args: Arg[];
}

export type Arg =
  | { type: 'field'; idents: string[]; offset: number }
  /** `$x.a.b`: idents[0] is the variable name, `$` included. */
  | { type: 'variable'; idents: string[]; offset: number }
  /** `(pipeline).a.b` */
  | { type: 'chain'; node: Arg; fields: string[]; offset: number }
  | { type: 'ident'; name: string; offset: number }
  | { type: 'dot'; offset: number }
  | { type: 'nil'; offset: number }
  | { type: 'bool'; value: boolean; offset: number }
  | { type: 'number'; value: number; text: string; offset: number }
  | { type: 'string'; value: string; offset: number }
  | { type: 'pipe'; pipe: Pipe; offset: number };

export interface Parsed {
  /** The template's own text, outside any `define`. */
  main: Node[];
  /** `define`d and `block` templates by name. */
  defines: Map<string, Node[]>;
}

/** The source-like text of an operand, for error messages (`<.Cluster.spec.x>` in Go's). */
export function argText(a: Arg): string {
  switch (a.type) {
    case 'field':
      return '.' + a.idents.join('.');
    case 'variable':
      return a.idents.join('.');
    case 'chain':
      return `${argText(a.node)}.${a.fields.join('.')}`;
    case 'ident':
      return a.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(a.value);
    case 'number':
      return a.text;
    case 'string':
      return JSON.stringify(a.value);
    case 'pipe':
      return `(${pipeText(a.pipe)})`;
  }
}

export function pipeText(p: Pipe): string {
  const decl = p.decl.length ? `${p.decl.join(', ')} ${p.isAssign ? '=' : ':='} ` : '';
  return decl + p.cmds.map((c) => c.args.map(argText).join(' ')).join(' | ');
}
