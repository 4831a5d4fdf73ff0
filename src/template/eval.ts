// Evaluation of pipelines, commands, field chains and function calls, following Go's exec.go:
// the value of each command is the last argument of the next; a declaration pushes (or `=`
// assigns) a variable; a missing map key is an error (missingkey=error, as Sveltos renders);
// `and`/`or` evaluate their arguments only as far as needed.
import { argText, type Arg, type Command, type Pipe } from './ast.ts';
import { TemplateError } from './errors.ts';
import { FuncError, type FuncDef, type ParamType } from './funcs.ts';
import type { State } from './state.ts';
import { GoStruct, isTrue, kindOf, typeName } from './value.ts';

/** Go's missingVal: "no value passed down the pipeline", distinct from a nil or invalid value. */
const MISSING: unique symbol = Symbol('missing');
type Final = unknown | typeof MISSING;

export function evalPipeline(s: State, dot: unknown, pipe: Pipe): unknown {
  let value: Final = MISSING;
  for (const cmd of pipe.cmds) {
    value = evalCommand(s, dot, cmd, value);
    if (value === null) value = undefined; // an interface holding nil: Go digs down to "no value"
  }
  for (const name of pipe.decl) {
    if (pipe.isAssign) s.setVar(name, value, pipe.offset);
    else s.push(name, value);
  }
  return value;
}

function notAFunction(s: State, args: Arg[], final: Final): void {
  if (args.length > 1 || final !== MISSING) throw s.error(args[0]!.offset, argText(args[0]!), `can't give argument to non-function ${argText(args[0]!)}`);
}

function evalCommand(s: State, dot: unknown, cmd: Command, final: Final): unknown {
  const first = cmd.args[0]!;
  switch (first.type) {
    case 'field':
      return evalFieldChain(s, dot, dot, first, first.idents, cmd.args, final);
    case 'chain':
      return evalFieldChain(s, dot, evalArg(s, dot, 'any', first.node), first, first.fields, cmd.args, final);
    case 'ident':
      return evalFunction(s, dot, first.name, first, cmd.args, final);
    case 'pipe':
      notAFunction(s, cmd.args, final);
      return evalPipeline(s, dot, first.pipe);
    case 'variable': {
      const value = s.varValue(first.idents[0]!, first.offset);
      if (first.idents.length === 1) {
        notAFunction(s, cmd.args, final);
        return value;
      }
      return evalFieldChain(s, dot, value, first, first.idents.slice(1), cmd.args, final);
    }
  }
  notAFunction(s, cmd.args, final);
  switch (first.type) {
    case 'bool':
    case 'number':
    case 'string':
      return first.value;
    case 'dot':
      return dot;
    case 'nil':
      throw s.error(first.offset, 'nil', 'nil is not a command');
  }
}

function evalFieldChain(s: State, dot: unknown, receiver: unknown, node: Arg, idents: string[], args: Arg[], final: Final): unknown {
  const n = idents.length;
  for (let i = 0; i < n - 1; i++) receiver = evalField(s, idents[i]!, node, [], MISSING, receiver);
  return evalField(s, idents[n - 1]!, node, args, final, receiver);
}

function evalField(s: State, name: string, node: Arg, args: Arg[], final: Final, receiver: unknown): unknown {
  if (receiver === undefined) throw fieldError(s, node, `nil data; no entry for key "${name}"`, 'missing-key');
  if (receiver === null) throw fieldError(s, node, `nil pointer evaluating interface {}.${name}`);
  const hasArgs = args.length > 1 || final !== MISSING;
  const kind = kindOf(receiver);
  if (kind === 'map') {
    if (hasArgs) throw fieldError(s, node, `${name} is not a method but has arguments`);
    const map = receiver as Record<string, unknown>;
    if (Object.hasOwn(map, name)) return map[name];
    throw fieldError(s, node, `map has no entry for key "${name}"`, 'missing-key');
  }
  if (kind === 'struct') {
    const fields = (receiver as GoStruct).fields;
    if (Object.hasOwn(fields, name)) {
      if (hasArgs) throw fieldError(s, node, `${name} has arguments but cannot be invoked as function`);
      return fields[name] ?? {};
    }
  }
  throw fieldError(s, node, `can't evaluate field ${name} in type ${typeName(receiver)}`);
}

// A plain function, not a closure per call: field access is the hot path of rendering.
function fieldError(s: State, node: Arg, message: string, kind: TemplateError['kind'] = 'exec'): TemplateError {
  return s.error(node.offset, argText(node), message, kind);
}

function evalFunction(s: State, dot: unknown, name: string, node: Arg, args: Arg[], final: Final): unknown {
  if (name === 'and' || name === 'or') return evalAndOr(s, dot, name, node, args, final);
  const f = s.funcs.get(name);
  if (!f) throw s.error(node.offset, name, `"${name}" is not a defined function`);
  const given = args.slice(1);
  const count = given.length + (final === MISSING ? 0 : 1);
  // A function reading the template's data gets it as a first argument the template does not write.
  const params = f.readsData ? f.params.slice(1) : f.params;
  const fixed = f.variadic ? params.length - 1 : params.length;
  if (f.variadic ? count < fixed : count !== fixed) {
    throw s.error(node.offset, name, `wrong number of args for ${name}: want ${f.variadic ? 'at least ' : ''}${fixed} got ${count}`);
  }
  const argv: unknown[] = [];
  for (let i = 0; i < given.length; i++) argv.push(evalArg(s, dot, paramAt(params, i), given[i]!));
  if (final !== MISSING) argv.push(validateType(s, final, paramAt(params, given.length), node));
  return call(s, f, name, node, f.readsData ? [s.data, ...argv] : argv);
}

function paramAt(params: ParamType[], i: number): ParamType {
  return params[Math.min(i, params.length - 1)]!;
}

function call(s: State, f: FuncDef, name: string, node: Arg, argv: unknown[]): unknown {
  try {
    return f.fn(...argv);
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const kind = err instanceof FuncError && err.unsupported ? 'unsupported' : 'exec';
    throw s.error(node.offset, name, `error calling ${name}: ${message}`, kind);
  }
}

/** Go 1.18's and/or: stop at the first false (and) or true (or) argument and return it. */
function evalAndOr(s: State, dot: unknown, name: 'and' | 'or', node: Arg, args: Arg[], final: Final): unknown {
  const given = args.slice(1);
  const count = given.length + (final === MISSING ? 0 : 1);
  if (count < 1) throw s.error(node.offset, name, `wrong number of args for ${name}: want at least 1 got 0`);
  let v: unknown;
  for (const a of given) {
    v = evalArg(s, dot, 'value', a);
    if (isTrue(v) === (name === 'or')) return v;
  }
  return final === MISSING ? v : final;
}

/** An argument evaluated for a parameter type, as Go's evalArg: literals are checked against it. */
export function evalArg(s: State, dot: unknown, type: ParamType, a: Arg): unknown {
  switch (a.type) {
    case 'dot':
      return validateType(s, dot, type, a);
    case 'nil':
      if (type === 'any' || type === 'value' || type === 'map' || type === 'list') return null;
      throw s.error(a.offset, 'nil', `cannot assign nil to ${goType(type)}`);
    case 'field':
    case 'variable':
    case 'chain':
    case 'ident':
      return validateType(s, evalCommand(s, dot, { offset: a.offset, args: [a] }, MISSING), type, a);
    case 'pipe':
      return validateType(s, evalPipeline(s, dot, a.pipe), type, a);
  }
  const ok = type === 'any' || type === 'value' || literalFits(a, type);
  if (!ok) throw s.error(a.offset, argText(a), `expected ${expectedName(type)}; found ${argText(a)}`);
  return a.value;
}

function literalFits(a: Arg & { value: unknown }, type: ParamType): boolean {
  if (type === 'string') return a.type === 'string';
  if (type === 'bool') return a.type === 'bool';
  if (type === 'int') return a.type === 'number' && Number.isInteger(a.value);
  if (type === 'float') return a.type === 'number';
  return false;
}

function expectedName(type: ParamType): string {
  return type === 'int' ? 'integer' : type === 'float' ? 'float' : type;
}

function goType(type: ParamType): string {
  switch (type) {
    case 'map':
      return 'map[string]interface {}';
    case 'list':
      return '[]interface {}';
    case 'float':
      return 'float64';
    case 'any':
    case 'value':
      return 'interface {}';
    default:
      return type;
  }
}

/** Go's validateType: a computed value must be assignable to the parameter's type. */
function validateType(s: State, v: unknown, type: ParamType, a: Arg): unknown {
  if (type === 'value') return v;
  if (v === undefined || v === null) {
    if (type === 'any' || type === 'map' || type === 'list') return null;
    throw s.error(a.offset, argText(a), `invalid value; expected ${goType(type)}`);
  }
  const k = kindOf(v);
  const fits =
    type === 'any' ||
    (type === 'string' && k === 'string') ||
    (type === 'bool' && k === 'bool') ||
    (type === 'int' && k === 'int') ||
    (type === 'float' && (k === 'float' || k === 'int')) ||
    (type === 'map' && k === 'map') ||
    (type === 'list' && k === 'slice');
  if (!fits) throw s.error(a.offset, argText(a), `wrong type for value; expected ${goType(type)}; got ${typeName(v)}`);
  return v;
}
