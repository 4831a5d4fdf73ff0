// One-line scalars as YAML's core schema reads them, for the block-style reader (block-yaml.ts):
// quoted strings, `{}` and `[]`, and plain scalars typed as null, booleans and integers. What the
// reader would have to guess at (floats, hex, octal, .inf, escapes JSON does not share) declines:
// the caller then hands the whole document to the `yaml` package.

/** Thrown when the text is outside the subset; block-yaml.ts returns undefined on it. */
export class Decline extends Error {}
export const decline = (): never => {
  throw new Decline();
};

/**
 * Whether `plain` reads a key (keyEnd's characters) as that string. Only a key starting with a digit
 * (a number) or of four or five letters (null, true, false in their cases) can be read otherwise.
 */
export function keyIsString(key: string): boolean {
  const c = key.charCodeAt(0);
  return !((c >= 48 && c <= 57) || key.length === 4 || key.length === 5) || plain(key) === key;
}

/** A flow scalar on one line, as the core schema reads it. */
export function scalar(text: string): unknown {
  const c = text.charCodeAt(0);
  if (c === 34) {
    // `"`: JSON's escapes are YAML's; anything else throws and the full parser reads it.
    if (text.length < 2 || !text.endsWith('"')) decline();
    try {
      return JSON.parse(text) as string;
    } catch {
      return decline();
    }
  }
  if (c === 39) {
    const inner = text.slice(1, -1);
    if (text.length < 2 || !text.endsWith("'") || inner.replaceAll("''", '').includes("'")) decline();
    return inner.replaceAll("''", "'");
  }
  if (text === '{}') return {};
  if (text === '[]') return [];
  return plain(text);
}

const NULL = /^(?:~|null|Null|NULL)$/;
const BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]*)$/;
// What else the core schema reads as a number (leading zeros, signs, hex, octal, floats, .inf, .nan).
const NUMBERISH = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** ASCII characters for which `table` holds 1. */
const charTable = (chars: string): Uint8Array => {
  const table = new Uint8Array(128);
  for (const ch of chars) table[ch.charCodeAt(0)] = 1;
  return table;
};
/** Indicators a plain scalar cannot start with (`-` can, before a digit: a negative number). */
const INDICATOR = charTable('[]{},&*!|>%@`#?:-\'"');
/** What null, a boolean or a number starts with; a plain scalar starting otherwise is a string. */
const TYPED_START = charTable('~nNtTfF0123456789-+.');

export function plain(text: string): unknown {
  if (text === '') decline();
  const c = text.charCodeAt(0);
  if (INDICATOR[c] === 1) {
    const next = text.charCodeAt(1);
    if (!(c === 45 && next >= 48 && next <= 57)) decline();
  }
  if (text.includes(': ') || text.includes(' #') || text.endsWith(':')) decline();
  // Most values (names, labels, URLs) take this way, without the regular expressions below.
  if (TYPED_START[c] !== 1) return text;
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return text.charCodeAt(0) === 116 || text.charCodeAt(0) === 84 ? true : false;
  if (DECIMAL.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  if (NUMBERISH.test(text)) decline();
  return text;
}
