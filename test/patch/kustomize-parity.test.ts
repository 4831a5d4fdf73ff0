// gitset's patch engine against the real `kubectl kustomize` (kustomize v5, what Sveltos runs
// in-process): for each case, the same objects and patch through both give the same objects.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { applyPatches, compilePatch, type Patch } from '../../src/patch/apply.ts';

const KUBECTL = new URL('../../.tools/kubectl', import.meta.url).pathname;

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'A', value: '1' }], volumeMounts: [{ name: 'cfg', mountPath: '/etc/a' }] },
          { name: 'side', image: 'busybox', args: ['a', 'b'] },
        ],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
        tolerations: [{ key: 'a', operator: 'Exists' }],
      },
    },
  },
};
const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
const objects = [deployment, service];

const CASES: Array<[string, Patch]> = [
  ['containers, env and ports merge by key', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        env: [{name: B, value: "2"}, {name: A, value: "3"}]\n        ports: [{containerPort: 443, name: https}]\n        volumeMounts: [{name: other, mountPath: /etc/b}]\n      - {name: extra, image: envoy}\n' }],
  ['$patch: delete of a container and a volume', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: side, $patch: delete}\n      volumes:\n      - {name: cfg, $patch: delete}\n' }],
  ['atomic lists are replaced, null deletes', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: null\n  template:\n    spec:\n      tolerations: [{key: b, operator: Exists}]\n      containers:\n      - {name: side, args: [c]}\n' }],
  ['targeted strategic patch ignores the patch name', { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: not-important}\nspec:\n  template:\n    spec:\n      securityContext: {runAsNonRoot: true}\n      nodeSelector: {location: edge}\n', target: { kind: 'Deployment', name: 'web' } }],
  ['Service ports merge by port', { patch: 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n  - {port: 80, targetPort: 9090}\n  - {name: https, port: 443}\n' }],
  ['JSON 6902 with a regex target', { patch: '- op: replace\n  path: /spec/replicas\n  value: 5\n- op: add\n  path: /metadata/annotations\n  value: {projectsveltos.io/driftDetectionIgnore: ok}\n', target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'w.*' } }],
  ['an annotation added to an object without annotations (Sveltos driftDetectionIgnore)', { patch: '- op: add\n  path: /metadata/annotations/projectsveltos.io~1driftDetectionIgnore\n  value: ok\n', target: { kind: 'Deployment', name: 'web' } }],
  ['labelSelector target', { patch: '- {op: add, path: /metadata/labels/env, value: prod}', target: { labelSelector: 'app=web' } }],
];

function kustomize(patch: Patch): Array<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'gitset-kustomize-'));
  try {
    writeFileSync(join(dir, 'objects.yaml'), objects.map((o) => stringify(o)).join('---\n'));
    writeFileSync(join(dir, 'kustomization.yaml'), stringify({ resources: ['objects.yaml'], patches: [patch] }));
    return parseAllDocuments(execFileSync(KUBECTL, ['kustomize', dir], { encoding: 'utf8' })).map((d) => d.toJS());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const byKind = (list: Array<Record<string, unknown>>) => Object.fromEntries(list.map((o) => [o.kind as string, o]));

describe('patches give what kubectl kustomize gives', () => {
  for (const [name, patch] of CASES) {
    test(name, () => {
      const ours = applyPatches(objects, [compilePatch(patch)]);
      assert.deepEqual(byKind(ours), byKind(kustomize(patch)));
    });
  }
});
