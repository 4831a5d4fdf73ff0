// Source positions inside a parsed YAML document: from a field path to file:line:col.
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, Scalar } from 'yaml';
import type { SourcePos } from '../model/objects.ts';

export type FieldPath = ReadonlyArray<string | number>;

/** Where a diagnostic about `path` should point. */
export type PointAt =
  | 'value' // the offending value (type, enum, pattern errors)
  | 'key' // the field's name (unknown field, bad key)
  | 'parent'; // the field is absent: point at the mapping that should hold it

export interface Locator {
  file: string;
  /** Position of `path`, falling back to the deepest part of it that exists. */
  at(path: FieldPath, pointAt?: PointAt): SourcePos;
  /** Position of character `index` inside the string scalar at `path` (for selector strings). */
  inString(path: FieldPath, index: number): SourcePos;
  fromOffset(offset: number): SourcePos;
}

export function createLocator(file: string, doc: Document, lc: LineCounter): Locator {
  const fromOffset = (offset: number): SourcePos => {
    const { line, col } = lc.linePos(offset);
    return { file, line, col };
  };
  const docStart = (): number => doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;

  function walk(path: FieldPath): { node?: Node; key?: Node; parent?: Node; parentKey?: Node; complete: boolean } {
    let node: Node | null | undefined = doc.contents as Node | null | undefined;
    let key: Node | undefined;
    let parent: Node | undefined;
    let parentKey: Node | undefined;
    for (const seg of path) {
      if (!node) return { parent, parentKey, complete: false };
      parent = node;
      parentKey = key;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return { node: undefined, key: undefined, parent, parentKey, complete: false };
        key = pair.key as Node;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) return { parent, parentKey, complete: false };
        key = item;
        node = item;
      } else {
        return { parent, parentKey, complete: false };
      }
    }
    return { node: node ?? undefined, key, parent, parentKey, complete: true };
  }

  return {
    file,
    fromOffset,
    at(path, pointAt = 'value') {
      const w = walk(path);
      // Present but null (`metadata: null`, pruned before validation): the key itself is the place.
      if (pointAt === 'parent' && w.complete && w.key) return fromOffset(w.key.range?.[0] ?? docStart());
      if (!w.complete || pointAt === 'parent') {
        // Absent field: its parent's key reads best (`spec:` for a missing spec field).
        const anchor = w.parentKey ?? w.parent;
        return fromOffset(anchor?.range?.[0] ?? docStart());
      }
      const target = pointAt === 'key' ? (w.key ?? w.node) : (w.node ?? w.key);
      return fromOffset(target?.range?.[0] ?? w.key?.range?.[0] ?? docStart());
    },
    inString(path, index) {
      const w = walk(path);
      const node = w.node;
      if (!node || !isScalar(node) || !node.range) return this.at(path);
      const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
      const single = node.type === Scalar.PLAIN || quoted;
      // Block scalars and multi-line flow scalars: the start of the value is the honest answer.
      if (!single || String(node.value).length !== node.range[1] - node.range[0] - (quoted ? 2 : 0)) {
        return fromOffset(node.range[0]);
      }
      return fromOffset(node.range[0] + (quoted ? 1 : 0) + index);
    },
  };
}
