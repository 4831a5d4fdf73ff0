// Runs a table of template cases: each renders a template with Sveltos-shaped data and expects
// either the output or an error of a kind (and, where Go's wording is what a user sees, a part of
// its message). The expectations are written from Go's text/template and sprig documentation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/template/compile.ts';
import { TemplateError, type TemplateErrorKind } from '../../src/template/errors.ts';
import { GoStruct } from '../../src/template/value.ts';

export type Expect = string | { error: TemplateErrorKind; message?: string };
export type Case = [name: string, template: string, expect: Expect, data?: unknown];

export function sveltosData(): GoStruct {
  return new GoStruct('*controllers.currentClusterObjects', {
    Cluster: {
      apiVersion: 'lib.projectsveltos.io/v1beta1',
      kind: 'SveltosCluster',
      metadata: { name: 'cluster1', namespace: 'civo', labels: { env: 'prod', region: 'lon1' } },
      spec: {
        controlPlaneEndpoint: { host: '10.0.0.1', port: 6443 },
        clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16', '10.244.0.0/16'] } },
        ratio: 1.5,
        nothing: null,
      },
    },
    KubeadmControlPlane: {},
    InfrastructureProvider: {},
    MgmtResources: {
      ConfigData: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster1' }, data: { values: 'a: 1' } },
    },
  });
}

export function runCases(group: string, cases: readonly Case[]): void {
  for (const [name, template, expect, data] of cases) {
    test(`${group}: ${name}`, () => {
      const run = () => compile(template).execute(data ?? sveltosData());
      if (typeof expect === 'string') {
        assert.equal(run(), expect, template);
        return;
      }
      assert.throws(run, (e: unknown) => {
        assert.ok(e instanceof TemplateError, `not a TemplateError: ${String(e)}`);
        assert.equal(e.kind, expect.error, e.message);
        if (expect.message) assert.ok(e.message.includes(expect.message), `${JSON.stringify(e.message)} lacks ${JSON.stringify(expect.message)}`);
        return true;
      });
    });
  }
}
