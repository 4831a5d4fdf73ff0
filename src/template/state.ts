// The state of one execution: the output so far, the variable stack ($ first) and the depth of
// nested template calls. A fresh State per rendering keeps renderings independent.
import type { Parsed } from './ast.ts';
import { TemplateError, type TemplateErrorKind } from './errors.ts';
import type { FuncTable } from './funcs.ts';

/** Go's limit on nested {{template}} calls guards against runaway recursion. */
export const MAX_DEPTH = 1000;

export class State {
  readonly out: string[] = [];
  vars: Array<{ name: string; value: unknown }>;
  depth = 0;

  constructor(
    readonly parsed: Parsed,
    readonly funcs: FuncTable,
    readonly data: unknown,
  ) {
    this.vars = [{ name: '$', value: data }];
  }

  mark(): number {
    return this.vars.length;
  }
  pop(mark: number): void {
    this.vars.length = mark;
  }
  push(name: string, value: unknown): void {
    this.vars.push({ name, value });
  }
  setVar(name: string, value: unknown, offset: number): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    throw this.error(offset, name, `undefined variable: ${name}`);
  }
  setTopVar(n: number, value: unknown): void {
    this.vars[this.vars.length - n]!.value = value;
  }
  varValue(name: string, offset: number): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    throw this.error(offset, name, `undefined variable: ${name}`);
  }

  /** Go's "executing … at <context>: message", positioned at the failing operand. */
  error(offset: number, context: string, message: string, kind: TemplateErrorKind = 'exec'): TemplateError {
    return new TemplateError(kind, `at <${context}>: ${message}`, offset);
  }
}
