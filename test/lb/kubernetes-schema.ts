// Kubernetes objects checked against the API's OpenAPI schema without a cluster, in two passes:
// - kubernetes-models' validators (compiled from the OpenAPI schema of Kubernetes 1.3x): types,
//   required fields, enums;
// - its TypeScript interfaces, for what the JSON schema allows but the API server refuses (kubectl
//   apply --validate=strict) or silently drops: a field the schema does not know, such as a typo'd
//   `readinesProbe`. The objects are written as typed literals into one virtual file and type
//   checked: TypeScript's excess-property check flags every unknown field, at any depth.
import { join } from 'node:path';
import * as ts from 'typescript';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** 'apps/v1' -> 'apps/v1'; core 'v1' -> 'v1': the module path below kubernetes-models. */
const modulePath = (apiVersion: string) => `kubernetes-models/${apiVersion}`;

const ROOT = join(__dirname, '..', '..');

/** The schema errors of one object ([] when valid), from kubernetes-models' validator for its kind. */
export function schemaErrors(object: KubeObject): string[] {
  let models: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    models = require(modulePath(object.apiVersion)) as Record<string, unknown>;
  } catch {
    return [`unknown apiVersion ${object.apiVersion}`];
  }
  const Model = models[object.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (typeof Model !== 'function') return [`unknown kind ${object.kind} in ${object.apiVersion}`];
  try {
    new Model(object).validate();
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}

/**
 * Fields the schema does not know, per object: "Deployment/session: ... 'readinesProbe' does not
 * exist in type 'IContainer'". One TypeScript program for all objects (a few seconds).
 */
export function unknownFields(objects: KubeObject[]): string[] {
  const file = join(ROOT, 'test', 'lb', '__rendered-kubernetes-objects__.ts');
  const source = objects
    .map(
      (o, i) => `import type { I${o.kind} as T${i} } from '${modulePath(o.apiVersion)}/${o.kind}';\nexport const o${i}: T${i} = ${JSON.stringify(o, null, 1)};`,
    )
    .join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, source, language) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const lines = source.split('\n');
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!d.file || d.file.fileName !== file || d.start === undefined) return `${d.file?.fileName ?? ''}: ${message}`;
    // Name the object: the nearest `export const oN` above the error.
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const decl = lines
      .slice(0, line + 1)
      .reverse()
      .find((l) => l.startsWith('export const o'));
    const o = objects[Number(decl?.match(/^export const o(\d+)/)?.[1])];
    return `${o ? `${o.kind}/${o.metadata.name}` : 'an object'}: ${message}`;
  });
}
