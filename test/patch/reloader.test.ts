// The reloader annotation: which workloads get it, and when its value changes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mountedConfigs, RELOAD_ANNOTATION, withReloadAnnotations } from '../../src/patch/reloader.ts';

const workload = (kind: string, name: string, volumes: unknown[], namespace?: string) => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: { template: { metadata: { annotations: { keep: 'me' } }, spec: { containers: [{ name: 'c', image: 'x' }], volumes } } },
});
const config = (kind: 'ConfigMap' | 'Secret', name: string, data: Record<string, string>, namespace?: string) => ({ apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, data });
const hashOf = (o: Record<string, any>): string | undefined => o.spec.template.metadata.annotations[RELOAD_ANNOTATION];

describe('withReloadAnnotations', () => {
  test('Deployments, StatefulSets and DaemonSets mounting a ConfigMap or Secret of the same set are annotated', () => {
    const objects = [
      config('ConfigMap', 'cfg', { a: '1' }),
      config('Secret', 'tls', { crt: 'eA==' }),
      workload('Deployment', 'web', [{ name: 'v', configMap: { name: 'cfg' } }]),
      workload('StatefulSet', 'db', [{ name: 'v', secret: { secretName: 'tls' } }]),
      workload('DaemonSet', 'agent', [{ name: 'v', configMap: { name: 'cfg' } }, { name: 'w', secret: { secretName: 'tls' } }]),
      workload('Deployment', 'other', [{ name: 'v', configMap: { name: 'not-ours' } }, { name: 'p', projected: { sources: [{ configMap: { name: 'cfg' } }] } }]),
      workload('Deployment', 'elsewhere', [{ name: 'v', configMap: { name: 'cfg' } }], 'other-ns'),
    ];
    const out = withReloadAnnotations(objects);
    const [web, db, agent, other, elsewhere] = out.slice(2) as Array<Record<string, any>>;
    for (const w of [web!, db!, agent!]) assert.match(hashOf(w)!, /^sha256:[0-9a-f]{64}$/);
    assert.equal(web!.spec.template.metadata.annotations.keep, 'me');
    assert.notEqual(hashOf(web!), hashOf(agent!), 'the hash covers what each one mounts');
    assert.equal(hashOf(other!), undefined, 'a ConfigMap not deployed with it, or projected (as Sveltos: volumes only), is not watched');
    assert.equal(hashOf(elsewhere!), undefined, 'a ConfigMap of another namespace is another ConfigMap');
    assert.equal(hashOf(objects[2] as Record<string, any>), undefined, 'the input is not changed');
  });

  test('the value changes with the mounted data only', () => {
    const at = (data: Record<string, string>, labels?: Record<string, string>) =>
      hashOf(withReloadAnnotations([{ ...config('ConfigMap', 'cfg', data, 'web'), ...(labels ? { metadata: { name: 'cfg', namespace: 'web', labels } } : {}) }, workload('Deployment', 'd', [{ name: 'v', configMap: { name: 'cfg' } }], 'web')])[1] as Record<string, any>);
    assert.equal(at({ a: '1' }), at({ a: '1' }, { x: 'y' }));
    assert.notEqual(at({ a: '1' }), at({ a: '2' }));
  });

  test('mountedConfigs names configMap and secret volumes in the workload namespace', () => {
    assert.deepEqual(mountedConfigs(workload('Deployment', 'd', [{ configMap: { name: 'b' } }, { secret: { secretName: 'a' } }, { emptyDir: {} }]), 'ns'), ['ConfigMap/ns/b', 'Secret/ns/a']);
  });
});
