#!/usr/bin/env node
// Lists the longest files and functions under src/ (the developer guide's limits: no file above
// ~300 lines, no function above ~60). A function's lines run from its first to its last line,
// nested functions included; methods, arrows and function expressions count as functions.
// Exits 1 when a file or function is above the limits, so it can gate a change.
//   node scripts/sizes.js [--top N] [--max-file 300] [--max-function 60] [DIR]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [, value] = args.splice(i, 2);
  return Number(value);
};
const top = option('--top', 5);
const maxFile = option('--max-file', 300);
const maxFunction = option('--max-function', 60);
const root = args[0] ?? 'src';

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const files = [];
const functions = [];
for (const path of sources(root)) {
  const text = readFileSync(path, 'utf8');
  files.push({ lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), where: path });
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos) => sf.getLineAndCharacterOfPosition(pos).line;
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const first = lineOf(node.getStart(sf));
      const owner = node.parent && (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent)) ? node.parent.name : undefined;
      const name = (node.name ?? owner)?.getText(sf) ?? '<anonymous>';
      functions.push({ lines: lineOf(node.getEnd()) - first + 1, where: `${path}:${first + 1} ${name}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

const longest = (rows) => rows.sort((a, b) => b.lines - a.lines || a.where.localeCompare(b.where));
console.log('files:');
for (const f of longest(files).slice(0, top)) console.log(`  ${String(f.lines).padStart(4)}  ${f.where}`);
console.log('functions:');
for (const f of longest(functions).slice(0, top)) console.log(`  ${String(f.lines).padStart(4)}  ${f.where}`);
const over = [...files.filter((f) => f.lines > maxFile), ...functions.filter((f) => f.lines > maxFunction)];
for (const o of over) console.error(`over the limit: ${o.lines} lines  ${o.where}`);
process.exit(over.length > 0 ? 1 : 0);
