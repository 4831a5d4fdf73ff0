// The engine's entry point: compile a template text once, execute it for any data. Compiling
// also answers two questions about the text, conservatively: does it read its data at all (if
// not, one rendering serves every cluster), and does it call a function that changes maps it is
// given (then each rendering works on a private copy of the data, which stays untouched).
import type { Arg, Node, Parsed, Pipe } from './ast.ts';
import { execute } from './exec.ts';
import type { FuncTable } from './funcs.ts';
import { parse } from './parser.ts';
import { SVELTOS_FUNC_MAP } from './registry.ts';
import { deepCopy, GoStruct, isMap } from './value.ts';

export interface Template {
  /** False only when no path through the text can read `.`, `$` or a data-reading function. */
  readonly readsData: boolean;
  /** Renders with the data; throws TemplateError. */
  execute(data: unknown): string;
}

export function compile(text: string, funcs: FuncTable = SVELTOS_FUNC_MAP): Template {
  const parsed = parse(text, (name) => funcs.has(name));
  const readsData = reads(parsed, funcs);
  const mutates = anyIdent(parsed, (name) => funcs.get(name)?.mutates === true);
  return {
    readsData,
    execute: (data) => execute(parsed, funcs, mutates ? privateCopy(data) : data),
  };
}

function privateCopy(data: unknown): unknown {
  if (data instanceof GoStruct) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(data.fields)) fields[k] = deepCopy(v);
    return new GoStruct(data.typeName, fields);
  }
  return Array.isArray(data) || isMap(data) ? deepCopy(data) : data;
}

function reads(parsed: Parsed, funcs: FuncTable): boolean {
  const fn = (name: string) => funcs.get(name)?.readsData === true;
  // A defined template's dot is whatever its callers pass: assume data.
  return listReads(parsed.main, true, fn) || [...parsed.defines.values()].some((body) => listReads(body, true, fn));
}

type ReadsFn = (name: string) => boolean;

function listReads(list: readonly Node[] | undefined, dotIsData: boolean, fn: ReadsFn): boolean {
  return (list ?? []).some((n) => nodeReads(n, dotIsData, fn));
}

function nodeReads(n: Node, dotIsData: boolean, fn: ReadsFn): boolean {
  switch (n.type) {
    case 'text':
    case 'break':
    case 'continue':
      return false;
    case 'action':
      return pipeReads(n.pipe, dotIsData, fn);
    case 'template':
      return n.pipe ? pipeReads(n.pipe, dotIsData, fn) : false;
    case 'if':
      return pipeReads(n.pipe, dotIsData, fn) || listReads(n.list, dotIsData, fn) || listReads(n.elseList, dotIsData, fn);
    case 'with':
    case 'range': {
      // Inside, dot is the pipeline's value (or its elements): data only if the pipeline read data.
      const p = pipeReads(n.pipe, dotIsData, fn);
      return p || listReads(n.list, false, fn) || listReads(n.elseList, dotIsData, fn);
    }
  }
}

function pipeReads(p: Pipe, dotIsData: boolean, fn: ReadsFn): boolean {
  return p.cmds.some((c) => c.args.some((a) => argReads(a, dotIsData, fn)));
}

function argReads(a: Arg, dotIsData: boolean, fn: ReadsFn): boolean {
  switch (a.type) {
    case 'dot':
    case 'field':
      return dotIsData;
    case 'variable':
      // `$` is the data; other variables hold values whose pipelines were checked where declared.
      return a.idents[0] === '$';
    case 'chain':
      return argReads(a.node, dotIsData, fn);
    case 'ident':
      return fn(a.name);
    case 'pipe':
      return pipeReads(a.pipe, dotIsData, fn);
    default:
      return false;
  }
}

function anyIdent(parsed: Parsed, test: (name: string) => boolean): boolean {
  const inPipe = (p: Pipe): boolean => p.cmds.some((c) => c.args.some(inArg));
  const inArg = (a: Arg): boolean => (a.type === 'ident' ? test(a.name) : a.type === 'pipe' ? inPipe(a.pipe) : a.type === 'chain' ? inArg(a.node) : false);
  const inList = (l: readonly Node[] | undefined): boolean =>
    (l ?? []).some((n) => {
      if (n.type === 'action') return inPipe(n.pipe);
      if (n.type === 'template') return n.pipe ? inPipe(n.pipe) : false;
      if (n.type === 'if' || n.type === 'with' || n.type === 'range') return inPipe(n.pipe) || inList(n.list) || inList(n.elseList);
      return false;
    });
  return inList(parsed.main) || [...parsed.defines.values()].some(inList);
}
