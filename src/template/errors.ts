// One error type for the template engine. `kind` says what a caller may branch on: a parse error
// (the text is wrong, whatever the data), a missing map key (Sveltos renders with
// missingkey=error), a function gitset does not provide, or any other failure while executing.
export type TemplateErrorKind = 'parse' | 'missing-key' | 'unsupported' | 'exec';

export class TemplateError extends Error {
  constructor(
    readonly kind: TemplateErrorKind,
    message: string,
    /** 0-based offset in the template text of the token or action that failed. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** 1-based line and column (in characters) of an offset in a text. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}
