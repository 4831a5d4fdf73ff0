// Executing a parsed template, as Go's exec.go walks it: text is copied, actions print their
// value (unless they declare a variable), if/with test Go's truth, range iterates slices, maps
// (in sorted key order) and integers, and {{template}} runs a defined template with a fresh
// variable scope. Variables declared inside a control structure end at its {{end}}.
import type { IfNode, Node, Parsed, RangeNode, TemplateNode, WithNode } from './ast.ts';
import { pipeText } from './ast.ts';
import { evalPipeline } from './eval.ts';
import type { FuncTable } from './funcs.ts';
import { MAX_DEPTH, State } from './state.ts';
import { formatValue, isTrue, kindOf, sortedKeys, type GoMap } from './value.ts';

type Signal = 'break' | 'continue' | undefined;

export function execute(parsed: Parsed, funcs: FuncTable, data: unknown): string {
  const s = new State(parsed, funcs, data);
  walkList(s, data, parsed.main);
  return s.out.join('');
}

function walkList(s: State, dot: unknown, list: readonly Node[]): Signal {
  for (const node of list) {
    const signal = walk(s, dot, node);
    if (signal) return signal;
  }
  return undefined;
}

function walk(s: State, dot: unknown, node: Node): Signal {
  switch (node.type) {
    case 'text':
      s.write(node.text, node.offset);
      return undefined;
    case 'action': {
      // Variables declared by an action live until the end of the enclosing control structure.
      const value = evalPipeline(s, dot, node.pipe);
      if (node.pipe.decl.length === 0) s.write(value === undefined || value === null ? '<no value>' : formatValue(value), node.offset);
      return undefined;
    }
    case 'if':
    case 'with':
      return walkIfOrWith(s, dot, node);
    case 'range':
      return walkRange(s, dot, node);
    case 'template':
      walkTemplate(s, dot, node);
      return undefined;
    case 'break':
    case 'continue':
      return node.type;
  }
}

function walkIfOrWith(s: State, dot: unknown, node: IfNode | WithNode): Signal {
  const mark = s.mark();
  try {
    const value = evalPipeline(s, dot, node.pipe);
    if (isTrue(value)) return walkList(s, node.type === 'with' ? value : dot, node.list);
    return node.elseList ? walkList(s, dot, node.elseList) : undefined;
  } finally {
    s.pop(mark);
  }
}

function walkRange(s: State, dot: unknown, node: RangeNode): Signal {
  const mark = s.mark();
  try {
    const value = evalPipeline(s, dot, node.pipe);
    const inner = s.mark();
    const decl = node.pipe.decl;
    const once = (index: unknown, elem: unknown): Signal => {
      if (decl.length > 0) {
        if (node.pipe.isAssign) s.setVar(decl[0]!, decl.length > 1 ? index : elem, node.offset);
        else s.setTopVar(1, elem);
      }
      if (decl.length > 1) {
        if (node.pipe.isAssign) s.setVar(decl[1]!, elem, node.offset);
        else s.setTopVar(2, index);
      }
      const signal = walkList(s, elem, node.list);
      s.pop(inner);
      return signal;
    };
    if (!iterate(s, node, value, once)) return node.elseList ? walkList(s, dot, node.elseList) : undefined;
    return undefined;
  } finally {
    s.pop(mark);
  }
}

/** Runs `once` per element; false when there was nothing to iterate (the else branch runs). */
function iterate(s: State, node: RangeNode, value: unknown, once: (index: unknown, elem: unknown) => Signal): boolean {
  const kind = kindOf(value);
  if (kind === 'slice') {
    const list = value as unknown[];
    for (let i = 0; i < list.length; i++) if (once(i, list[i]) === 'break') break;
    return list.length > 0;
  }
  if (kind === 'map') {
    const keys = sortedKeys(value as GoMap);
    for (const k of keys) if (once(k, (value as GoMap)[k]) === 'break') break;
    return keys.length > 0;
  }
  if (kind === 'int') {
    if (node.pipe.decl.length > 1) throw s.error(node.offset, pipeText(node.pipe), `can't use ${formatValue(value)} to iterate over more than one variable`);
    const n = Number(value);
    for (let i = 0; i < n; i++) if (once(i, i) === 'break') break;
    return n > 0;
  }
  if (kind === 'invalid' || kind === 'nil') return false;
  throw s.error(node.offset, pipeText(node.pipe), `range can't iterate over ${formatValue(value)}`);
}

function walkTemplate(s: State, dot: unknown, node: TemplateNode): void {
  const body = s.parsed.defines.get(node.name);
  if (!body) throw s.error(node.offset, `template "${node.name}"`, `template "${node.name}" not defined`);
  if (s.depth >= MAX_DEPTH) throw s.error(node.offset, `template "${node.name}"`, `exceeded maximum template depth (${MAX_DEPTH})`);
  const value = node.pipe ? evalPipeline(s, dot, node.pipe) : undefined;
  const outer = s.vars;
  s.vars = [{ name: '$', value }]; // no dynamic scoping: a template sees only its own dot
  s.depth++;
  try {
    walkList(s, value, body);
  } finally {
    s.depth--;
    s.vars = outer;
  }
}
