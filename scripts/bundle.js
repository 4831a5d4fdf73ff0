// Bundles the compiled CLI (dist/cli/main.js and the modules it imports) into a few files under
// dist/bundle/, which bin/gitset.js starts from: Node resolves, reads and links about 20 chunks
// for `gitset plan` instead of 127 modules of dist/ and the CommonJS files of commander and yaml
// (0.22 → 0.10 s of CPU to load them). Each subcommand's module (the dynamic import()s of
// src/cli/main.ts) stays a chunk of its own, loaded only when that command runs. Of the packages,
// only commander and yaml, which every command loads, are bundled (about 75 ms of that gain); the
// others stay in node_modules, where some read files of their own at run time.
//
// Modules find files beside themselves through import.meta.url (package.json, schemas/, the
// precompiled validators, the health script worker, the helm post-renderer): in a chunk, that URL
// would be the chunk's. Every `import.meta.url` of a module is therefore rewritten to the URL of
// its file in dist/, relative to the chunk, so those files are found where tsc put them. All the
// chunks lie directly in dist/bundle/, which makes that relative path the same for every chunk.
import { readFileSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const BUNDLE_DIR = join('dist', 'bundle');
export const BUNDLE_ENTRY = join(BUNDLE_DIR, 'main.js');

/** What the rewrite does not cover: a module using one of these would look beside the chunk. */
const UNREWRITTEN = /import\.meta\.(dirname|filename)\b|import\.meta\.resolve\(\s*['"`]\./;

/** The esbuild plugin: `import.meta.url` of a dist/ module, as seen from a chunk in `outdir`. */
function moduleUrlPlugin(outdir) {
  return {
    name: 'gitset-module-url',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const unrewritten = UNREWRITTEN.exec(source);
        if (unrewritten) return { errors: [{ text: `${unrewritten[0]} would be the chunk's in the bundle: derive the path from import.meta.url` }] };
        if (!source.includes('import.meta.url')) return undefined;
        const fromChunk = relative(outdir, args.path).split(sep).join('/');
        const url = `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'js' };
      });
    },
  };
}

/** Packages bundled: pure JavaScript, no file of their own read at run time, no dependency. */
const BUNDLED_PACKAGES = ['commander', 'yaml'];

/** Every other dependency stays in node_modules, loaded from there as before. */
function externalPackages(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return Object.keys(pkg.dependencies).filter((name) => !BUNDLED_PACKAGES.includes(name));
}

/** Writes dist/bundle/ from dist/ (compiled already). Returns esbuild's result. */
export async function bundle(root) {
  const { build } = await import('esbuild');
  const outdir = join(root, BUNDLE_DIR);
  rmSync(outdir, { recursive: true, force: true });
  return build({
    entryPoints: [join(root, 'dist', 'cli', 'main.js')],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: externalPackages(root),
    chunkNames: '[name]-[hash]',
    plugins: [moduleUrlPlugin(outdir)],
    logLevel: 'warning',
    // The bundled CommonJS (commander) requires Node's modules: give its chunks a `require`.
    banner: { js: "import { createRequire as __gitsetCreateRequire } from 'node:module'; const require = __gitsetCreateRequire(import.meta.url);" },
  });
}
