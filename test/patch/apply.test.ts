// The patch engine: strategic-merge and JSON 6902 patches, targets and selectors, bad patches.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatches, compilePatch, PatchError, type Patch } from '../../src/patch/apply.ts';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx-deployment', namespace: 'web', labels: { app: 'nginx' } },
  spec: {
    replicas: 1,
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }], volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }] },
          { name: 'sidecar', image: 'busybox' },
        ],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
        tolerations: [{ key: 'a', operator: 'Exists' }],
      },
    },
  },
});
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nginx-config', namespace: 'web', annotations: { tier: 'gold' } }, data: { a: '1' } };

function patched(patches: Patch[], objects: Array<Record<string, unknown>> = [deployment(), configMap]): Array<Record<string, any>> {
  return applyPatches(objects, patches.map(compilePatch));
}

function badPatch(p: unknown): PatchError {
  try {
    compilePatch(p);
  } catch (err) {
    assert.ok(err instanceof PatchError, String(err));
    return err;
  }
  assert.fail('the patch was accepted');
}

describe('strategic merge', () => {
  test('merges containers by name, env by name, ports by containerPort; keeps what the patch leaves out', () => {
    const [d] = patched([
      {
        patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: not-important}\nspec:\n  template:\n    spec:\n      containers:\n      - name: nginx\n        imagePullPolicy: Always\n        env: [{name: B, value: "2"}, {name: A, value: "9"}]\n        ports: [{containerPort: 443}]\n        securityContext: {readOnlyRootFilesystem: true}\n      - name: extra\n        image: envoy\n',
        target: { kind: 'Deployment' },
      },
    ]);
    const [nginx, extra, sidecar] = d!.spec.template.spec.containers;
    assert.equal(d!.metadata.name, 'nginx-deployment', 'the patch does not rename the object');
    assert.equal(nginx.image, 'nginx:1');
    assert.equal(nginx.imagePullPolicy, 'Always');
    assert.deepEqual(nginx.securityContext, { readOnlyRootFilesystem: true });
    assert.deepEqual(nginx.env, [{ name: 'B', value: '2' }, { name: 'A', value: '9' }], 'the patch items first, as the API server orders them');
    assert.deepEqual(nginx.ports, [{ containerPort: 443 }, { containerPort: 80 }]);
    assert.deepEqual(sidecar, { name: 'sidecar', image: 'busybox' });
    assert.deepEqual(extra, { name: 'extra', image: 'envoy' });
  });

  test('$patch: delete removes a list item or a mapping; null removes a field; lists without a merge key are replaced', () => {
    const [d] = patched([
      {
        patch: 'spec:\n  replicas: null\n  template:\n    spec:\n      containers:\n      - {name: sidecar, $patch: delete}\n      volumes:\n      - {name: cfg, $patch: delete}\n      tolerations: [{key: b, operator: Exists}]\n    metadata:\n      labels: {$patch: delete}\n',
        target: { kind: 'Deployment', name: 'nginx-.*' },
      },
    ]);
    assert.equal('replicas' in d!.spec, false);
    assert.deepEqual(d!.spec.template.spec.containers.map((c: { name: string }) => c.name), ['nginx']);
    assert.deepEqual(d!.spec.template.spec.volumes, []);
    assert.deepEqual(d!.spec.template.spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
    assert.equal('labels' in d!.spec.template.metadata, false);
  });

  test('$patch: replace replaces a mapping whole', () => {
    const [d] = patched([{ patch: 'metadata:\n  labels: {$patch: replace, team: a}\n', target: { kind: 'Deployment' } }]);
    assert.deepEqual(d!.metadata.labels, { team: 'a' });
  });

  test('without a target, applies to the object it names (no namespace is the default namespace)', () => {
    const inDefault = { ...configMap, metadata: { name: 'nginx-config' } };
    const out = patched([{ patch: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nginx-config}\ndata: {b: "2"}\n' }], [configMap, inDefault, deployment()]);
    assert.deepEqual(out[0]!.data, { a: '1' }, 'another namespace: not this patch');
    assert.deepEqual(out[1]!.data, { a: '1', b: '2' });
    assert.equal(out[2]!.data, undefined);
  });

  test('unknown directives are refused, not applied wrongly', () => {
    assert.throws(() => patched([{ patch: 'spec:\n  $retainKeys: [a]\n', target: { kind: 'Deployment' } }]), (e: PatchError) => e.code === 'PATCH_FAILED' && /\$retainKeys is not supported/.test(e.message) && /Deployment web\/nginx-deployment/.test(e.message));
  });
});

describe('JSON 6902', () => {
  test('add, replace, remove, copy, move, test; ~1 escapes a slash (Sveltos driftDetectionIgnore)', () => {
    const [d] = patched([
      {
        patch: [
          '- {op: add, path: /metadata/annotations, value: {}}',
          '- {op: add, path: /metadata/annotations/projectsveltos.io~1driftDetectionIgnore, value: ok}',
          '- {op: replace, path: /spec/replicas, value: 5}',
          '- {op: add, path: /spec/template/spec/containers/0/resources, value: {limits: {cpu: "1"}}}',
          '- {op: copy, from: /metadata/labels/app, path: /metadata/labels/copied}',
          '- {op: move, from: /metadata/labels/copied, path: /metadata/labels/moved}',
          '- {op: test, path: /spec/replicas, value: 5}',
          '- {op: remove, path: /spec/template/spec/containers/1}',
          '- {op: add, path: /spec/template/spec/volumes/-, value: {name: x, emptyDir: {}}}',
        ].join('\n'),
        target: { group: 'apps', version: 'v1', kind: 'Deployment', name: 'nginx-deployment' },
      },
    ]);
    assert.deepEqual(d!.metadata.annotations, { 'projectsveltos.io/driftDetectionIgnore': 'ok' });
    assert.equal(d!.spec.replicas, 5);
    assert.deepEqual(d!.spec.template.spec.containers[0].resources, { limits: { cpu: '1' } });
    assert.deepEqual(d!.metadata.labels, { app: 'nginx', moved: 'nginx' });
    assert.equal(d!.spec.template.spec.containers.length, 1);
    assert.equal(d!.spec.template.spec.volumes[1].name, 'x');
  });

  test('a remove of a path the object lacks is skipped (as Sveltos does); other failures name patch, object and operation', () => {
    const [d] = patched([{ patch: '- {op: remove, path: /spec/nope}\n- {op: replace, path: /spec/replicas, value: 2}', target: { kind: 'Deployment' } }]);
    assert.equal(d!.spec.replicas, 2);
    assert.throws(
      () => patched([{ patch: '- {op: replace, path: /spec/nope/x, value: 2}', target: { kind: 'Deployment' } }]),
      (e: PatchError) => e.code === 'PATCH_FAILED' && e.message.startsWith('patch 0 on Deployment web/nginx-deployment: operation 0 (replace /spec/nope/x)'),
    );
    assert.throws(() => patched([{ patch: '- {op: test, path: /spec/replicas, value: 3}', target: { kind: 'Deployment' } }]), /test failed/);
  });

  test('the input objects are never changed', () => {
    const d = deployment();
    patched([{ patch: '- {op: replace, path: /spec/replicas, value: 7}', target: { kind: 'Deployment' } }], [d]);
    assert.equal(d.spec.replicas, 1);
  });
});

describe('targets', () => {
  const labelled = (patch: Patch['target']) => patched([{ patch: '- {op: add, path: /metadata/labels, value: {hit: "yes"}}', target: patch! }]).map((o) => o.metadata.labels?.hit === 'yes');

  test('group, version, kind, name and namespace are anchored regular expressions', () => {
    assert.deepEqual(labelled({ kind: 'Deployment' }), [true, false]);
    assert.deepEqual(labelled({ kind: 'Deploy' }), [false, false], 'anchored: a prefix is no match');
    assert.deepEqual(labelled({ name: 'nginx-.*' }), [true, true]);
    assert.deepEqual(labelled({ group: '' }), [true, true], 'empty means any');
    assert.deepEqual(labelled({ group: 'apps', version: 'v1' }), [true, false]);
    assert.deepEqual(labelled({ namespace: 'web|other' }), [true, true]);
    assert.deepEqual(labelled({ namespace: 'other' }), [false, false]);
  });

  test('labelSelector and annotationSelector are label-selector strings', () => {
    assert.deepEqual(labelled({ labelSelector: 'app=nginx' }), [true, false]);
    assert.deepEqual(labelled({ labelSelector: 'app in (nginx, web),!canary' }), [true, false]);
    assert.deepEqual(labelled({ annotationSelector: 'tier=gold' }), [false, true]);
  });
});

describe('bad patches are refused with the field at fault', () => {
  test('shape', () => {
    assert.equal(badPatch('x').field, '');
    assert.equal(badPatch({ patch: '' }).field, 'patch');
    assert.equal(badPatch({ patch: 'a: 1', extra: 1 }).field, 'extra');
    assert.equal(badPatch({ patch: 'a: [1' , target: { kind: 'X' } }).field, 'patch');
    assert.match(badPatch({ patch: '- 1' , target: { kind: 'X' } }).message, /operation 0 is not a mapping/);
    assert.match(badPatch({ patch: '- {op: jump, path: /a}', target: { kind: 'X' } }).message, /op must be one of/);
    assert.match(badPatch({ patch: '- {op: add, path: a, value: 1}', target: { kind: 'X' } }).message, /not a JSON pointer/);
    assert.match(badPatch({ patch: '- {op: add, path: /a}', target: { kind: 'X' } }).message, /value is required/);
  });

  test('a JSON 6902 patch needs a target; an untargeted strategic patch must name its object', () => {
    assert.equal(badPatch({ patch: '- {op: add, path: /a, value: 1}' }).field, 'target');
    assert.match(badPatch({ patch: 'spec: {replicas: 2}' }).message, /must name its object/);
  });

  test('targets: unknown fields, bad selectors, and patterns that could backtrack for ever', () => {
    assert.equal(badPatch({ patch: 'a: 1', target: { knd: 'X' } }).field, 'target.knd');
    assert.equal(badPatch({ patch: 'a: 1', target: { labelSelector: 'a in (' } }).field, 'target.labelSelector');
    assert.equal(badPatch({ patch: 'a: 1', target: { name: '([a-z' } }).field, 'target.name');
    for (const name of ['(a+)+', '(a|aa)*', '(?=a)b', '(a)\\1', '(?:x*)*']) assert.equal(badPatch({ patch: 'a: 1', target: { name } }).field, 'target.name', name);
    for (const name of ['(?:web|api)-.*', '(ab)+', '[a-z]+(-[0-9])?', '.*']) assert.doesNotThrow(() => compilePatch({ patch: 'a: 1', target: { name } }), name);
  });
});
