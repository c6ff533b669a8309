import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const dir = new URL('../../deploy/k8s/', import.meta.url);
const require = createRequire(import.meta.url);

/** A Kubernetes model class of `kubernetes-models` (its JSON-schema check is `validate()`). */
type Model = new (data: object) => { validate(): void };

/** The models of `kubernetes-models` by apiVersion and kind, or null where the package is not installed. */
function modelFor(apiVersion: string, kind: string): Model | null {
  // Core objects live at the package root's v1, the others under their group.
  const path = apiVersion === 'v1' ? 'kubernetes-models/v1' : `kubernetes-models/${apiVersion}`;
  try {
    return (require(path) as Record<string, Model>)[kind] ?? null;
  } catch {
    return null;
  }
}

let installed = true;
try {
  require.resolve('kubernetes-models/package.json');
} catch {
  installed = false;
  console.warn('deploy/k8s schema check skipped: kubernetes-models is not installed (npm ci)');
}

const manifests = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((doc) => ({
      file,
      object: doc.toJS() as {
        apiVersion: string;
        kind: string;
        metadata: { name: string };
        [k: string]: unknown;
      },
    })),
  );

/** The manifests are not applied to a cluster here; they are checked against the Kubernetes API schemas. */
describe.skipIf(!installed)('deploy/k8s', () => {
  it.each(manifests.map((m) => [`${m.file} ${m.object.kind}`, m] as const))(
    '%s matches its schema',
    (_, m) => {
      const Model = modelFor(m.object.apiVersion, m.object.kind);
      expect(Model, `no schema for ${m.object.apiVersion} ${m.object.kind}`).not.toBeNull();
      expect(() => new (Model as Model)(m.object).validate()).not.toThrow();
    },
  );

  it('gives the drain time to finish before the kubelet kills, and probes the two endpoints', () => {
    const deployment = manifests.find((m) => m.object.kind === 'Deployment')?.object as unknown as {
      spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: Container[] } } };
    };
    type Container = {
      args: string[];
      readinessProbe: { httpGet: { path: string } };
      livenessProbe: { httpGet: { path: string } };
    };
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0] as Container;
    const drainMs = Number(container.args.find((a) => a.startsWith('--drain-ms='))?.split('=')[1]);
    expect(drainMs).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(drainMs);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
  });

  it('rejects a manifest with a wrong field, so the check can fail', () => {
    const Model = modelFor('apps/v1', 'Deployment') as Model;
    const broken = structuredClone(
      manifests.find((m) => m.object.kind === 'Deployment')?.object,
    ) as unknown as {
      spec: { replicas: unknown };
    };
    broken.spec.replicas = 'three';
    expect(() => new Model(broken).validate()).toThrow(/replicas/);
  });
});
