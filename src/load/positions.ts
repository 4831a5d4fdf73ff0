// Source positions inside a parsed YAML document: from a field path to file:line:col.
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, Scalar, type YAMLMap } from 'yaml';
import type { SourcePos } from '../model/objects.ts';
import { unpack, type PackedPos, type Shape } from './block-yaml.ts';

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

interface Walked {
  node?: Node;
  key?: Node;
  parent?: Node;
  parentKey?: Node;
  complete: boolean;
}

export function createLocator(file: string, doc: Document, lc: LineCounter): Locator {
  const fromOffset = (offset: number): SourcePos => {
    const { line, col } = lc.linePos(offset);
    return { file, line, col };
  };
  const docStart = (): number => doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
  const walk = walker(doc);
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
      const node = walk(path).node;
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

/**
 * Follows a field path through the document. Each mapping's keys are indexed on first use, so
 * a thousand lookups in a mapping of a thousand keys cost a thousand, not a million, steps.
 */
function walker(doc: Document): (path: FieldPath) => Walked {
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, seg: string | number): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        const k = isPair(p) && isScalar(p.key) ? String(p.key.value) : undefined;
        if (k !== undefined && !index.has(k)) index.set(k, p); // the first, as a search would find
      }
      indexes.set(map, index);
    }
    return index.get(String(seg));
  };
  return (path) => {
    let node: Node | null | undefined = doc.contents as Node | null | undefined;
    let key: Node | undefined;
    let parent: Node | undefined;
    let parentKey: Node | undefined;
    for (const seg of path) {
      if (!node) return { parent, parentKey, complete: false };
      parent = node;
      parentKey = key;
      if (isMap(node)) {
        const pair = pairOf(node, seg);
        if (!pair) return { parent, parentKey, complete: false };
        key = pair.key as Node;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
        key = node = node.items[seg] as Node;
      } else {
        return { parent, parentKey, complete: false };
      }
    }
    return { node: node ?? undefined, key, parent, parentKey, complete: true };
  };
}

/**
 * The same answers from the block-style reader's shape of a document (src/load/block-yaml.ts), walked as
 * `walker` walks the parsed document; `full` gives the parser's locator for what a shape does not
 * hold (a place inside a string), parsing the file only then.
 */
export function createShapeLocator(file: string, shape: Shape, full: () => Locator): Locator {
  const fromPacked = (p: PackedPos): SourcePos => ({ file, ...unpack(p) });
  const walk = (path: FieldPath): { node?: PackedPos; key?: PackedPos; parent?: PackedPos; parentKey?: PackedPos; complete: boolean } => {
    let node = shape;
    let key: PackedPos | undefined;
    let parent: PackedPos | undefined;
    let parentKey: PackedPos | undefined;
    for (const seg of path) {
      parent = node.at;
      parentKey = key;
      if (node.kind === 'map') {
        const pair = node.pairs.get(String(seg));
        if (!pair) return { parent, parentKey, complete: false };
        key = pair.key;
        node = pair.value;
      } else if (node.kind === 'seq' && typeof seg === 'number' && node.items[seg]) {
        node = node.items[seg]!;
        key = node.at;
      } else {
        return { parent, parentKey, complete: false };
      }
    }
    return { node: node.at, key, parent, parentKey, complete: true };
  };
  return {
    file,
    fromOffset: (offset) => full().fromOffset(offset),
    at(path, pointAt = 'value') {
      const w = walk(path);
      if (pointAt === 'parent' && w.complete && w.key !== undefined) return fromPacked(w.key);
      if (!w.complete || pointAt === 'parent') return fromPacked(w.parentKey ?? w.parent ?? shape.at);
      const target = pointAt === 'key' ? (w.key ?? w.node) : (w.node ?? w.key);
      return fromPacked(target ?? w.key ?? shape.at);
    },
    inString: (path, index) => full().inString(path, index),
  };
}
