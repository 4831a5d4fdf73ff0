// Strict UTF-8 decoding of manifest bytes: Node's lenient decoding turns invalid bytes into U+FFFD
// silently, so a value would differ from what the author's editor shows. Invalid text is refused,
// with the place of the first bad byte.

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface InvalidUtf8 {
  /** The first byte that is not part of a well-formed sequence. */
  byte: number;
  line: number;
  col: number;
}

export function decodeUtf8(bytes: Uint8Array): string | InvalidUtf8 {
  try {
    return strict.decode(bytes);
  } catch {
    const at = firstInvalid(bytes);
    const lineStart = bytes.lastIndexOf(0x0a, at - 1) + 1;
    const line = countNewlines(bytes, lineStart) + 1;
    // The column in characters: the part of the line before the bad byte is valid.
    const col = strict.decode(bytes.subarray(lineStart, at)).length + 1;
    return { byte: bytes[at] ?? 0, line, col };
  }
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < end; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Offset of the first byte of an ill-formed sequence (Unicode's table 3-7), or the length. */
function firstInvalid(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const extra = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (extra === 0 || i + extra >= b.length) return i;
    for (let k = 1; k <= extra; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    const d = b[i + 1]!;
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    if ((c === 0xe0 && d < 0xa0) || (c === 0xed && d > 0x9f) || (c === 0xf0 && d < 0x90) || (c === 0xf4 && d > 0x8f)) return i;
    i += extra + 1;
  }
  return b.length;
}
