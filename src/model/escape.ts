// Text from repositories, status files and clusters, shown on a terminal, in a commit message or
// in Markdown: a newline or an ESC in a name must not forge a line or drive the terminal, and a
// name must not become HTML or a link in a pull-request comment.

/** C0 and C1 controls, DEL, Unicode line separators and bidirectional overrides ("Trojan Source"). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

/** One line of text: every control character shown as an escape (`\n`, `\e`, `\u0007`). */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The same, keeping the line breaks: for text whose lines are meant (a commit body). */
export function escapeControlLines(text: string): string {
  return text.split('\n').map(escapeControl).join('\n');
}

/** Every string inside `value` (objects, arrays) passed through `f`; for printing a whole report. */
export function mapStrings<T>(value: T, f: (s: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, f);
  return out as T;
}

/**
 * Markdown text that renders as exactly `text`: controls escaped, and ASCII punctuation
 * backslash-escaped (CommonMark allows it for all of it), so nothing becomes HTML, an entity,
 * emphasis, a link, an autolink (`https\://`, `www\.`, `a\@b`) or a table cell boundary. Left
 * as is: `/`, `,`, `-` and `=`, which mean nothing inside a line (never at its start here).
 */
export function markdownText(text: string): string {
  return escapeControl(text).replace(/[!-+.:-<>-@[-`{-~]/g, '\\$&');
}

/** A Markdown code span holding `text` literally: fenced by more backticks than it holds in a row. */
export function markdownCode(text: string): string {
  const shown = escapeControl(text);
  const longest = Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 || shown.startsWith(' ') || shown.endsWith(' ') ? `${fence} ${shown} ${fence}` : `${fence}${shown}${fence}`;
}
