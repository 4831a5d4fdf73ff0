// The state of one execution: the output so far, the variable stack ($ first) and the depth of
// nested template calls. A fresh State per rendering keeps renderings independent.
import type { Parsed } from './ast.ts';
import { TemplateError, type TemplateErrorKind } from './errors.ts';
import type { FuncTable } from './funcs.ts';

/** Go's limit on nested {{template}} calls guards against runaway recursion. */
export const MAX_DEPTH = 1000;

/** A rendering is a field of a helm release: far below this. A runaway loop stops here, not in memory. */
export const MAX_OUTPUT = 16 * 1024 * 1024;

export class State {
  readonly out: string[] = [];
  private size = 0;
  vars: Array<{ name: string; value: unknown }>;
  depth = 0;

  constructor(
    readonly parsed: Parsed,
    readonly funcs: FuncTable,
    readonly data: unknown,
  ) {
    this.vars = [{ name: '$', value: data }];
  }

  write(text: string, offset: number): void {
    this.size += text.length;
    if (this.size > MAX_OUTPUT) throw this.error(offset, 'output', `the output exceeds ${MAX_OUTPUT / 1024 / 1024} MiB`);
    this.out.push(text);
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
