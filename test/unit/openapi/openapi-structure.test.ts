/**
 * The generated document is structurally valid OpenAPI 3.1 (what Swagger UI and Redoc need to load it): no
 * validator package is installed, so the rules a viewer trips over are checked here by hand — the required
 * top-level fields, every `$ref` resolving inside the document, path templates and their `in: path`
 * parameters matching (and required), response codes, unique operation ids, known security schemes, and
 * the document surviving a JSON round trip (what `GET /v1/openapi.json` serves).
 */
import { describe, expect, it } from 'vitest';
import { apiDocument } from '#http/openapi';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const refsIn = (value: Json, out: string[] = []): string[] => {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (isObj(value))
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  return out;
};

const resolve = (doc: Obj, ref: string): Json | undefined => {
  if (!ref.startsWith('#/')) return undefined;
  let node: Json | undefined = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    node = isObj(node) ? node[key] : undefined;
  }
  return node;
};

const doc = JSON.parse(JSON.stringify(apiDocument('https://api.example.co.jp'))) as Obj;
const paths = (isObj(doc.paths) ? doc.paths : {}) as Obj;
const operations = Object.entries(paths).flatMap(([path, item]) =>
  isObj(item)
    ? METHODS.filter((m) => isObj(item[m])).map((m) => ({ path, method: m, op: item[m] as Obj, item }))
    : [],
);

describe('OpenAPI 3.1 structure', () => {
  it('given the generated document, then it has the 3.1 header, info and at least one operation per path', () => {
    // Assert
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(
      isObj(doc.info) && typeof doc.info.title === 'string' && typeof doc.info.version === 'string',
    ).toBe(true);
    expect(operations.length).toBeGreaterThan(10);
    for (const path of Object.keys(paths)) expect(path.startsWith('/')).toBe(true);
  });

  it('given every $ref in the document, then each resolves to an object inside it', () => {
    // Act
    const refs = refsIn(doc);
    const broken = refs.filter((r) => !isObj(resolve(doc, r)));

    // Assert
    expect(broken).toEqual([]);
  });

  it('given every operation, then path parameters match the template, response codes are valid, ids are unique and security names a declared scheme', () => {
    // Arrange
    const components = isObj(doc.components) ? doc.components : {};
    const schemes = Object.keys(isObj(components.securitySchemes) ? components.securitySchemes : {});
    const problems: string[] = [];
    const ids = new Set<string>();

    // Act
    for (const { path, method, op, item } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const params = [
        ...(Array.isArray(item.parameters) ? item.parameters : []),
        ...(Array.isArray(op.parameters) ? op.parameters : []),
      ]
        .map((p) => (isObj(p) && typeof p.$ref === 'string' ? resolve(doc, p.$ref) : p))
        .filter(isObj);
      const inPath = params.filter((p) => p.in === 'path');
      if (JSON.stringify(inPath.map((p) => p.name).sort()) !== JSON.stringify(templated))
        problems.push(`${where}: path parameters ${inPath.map((p) => p.name)} ≠ template ${templated}`);
      for (const p of inPath)
        if (p.required !== true) problems.push(`${where}: path parameter ${p.name} not required`);
      for (const p of params)
        if (!['query', 'header', 'path', 'cookie'].includes(String(p.in)))
          problems.push(`${where}: parameter ${p.name} in '${p.in}'`);
      const responses = isObj(op.responses) ? Object.keys(op.responses) : [];
      if (responses.length === 0) problems.push(`${where}: no responses`);
      for (const code of responses)
        if (!/^([1-5](\d\d|XX)|default)$/.test(code)) problems.push(`${where}: response code ${code}`);
      if (typeof op.operationId === 'string') {
        if (ids.has(op.operationId)) problems.push(`${where}: duplicate operationId ${op.operationId}`);
        ids.add(op.operationId);
      }
      const security = Array.isArray(op.security)
        ? op.security
        : Array.isArray(doc.security)
          ? doc.security
          : [];
      for (const requirement of security.filter(isObj))
        for (const name of Object.keys(requirement))
          if (!schemes.includes(name)) problems.push(`${where}: unknown security scheme ${name}`);
      if (isObj(op.requestBody) && !isObj(op.requestBody.content) && typeof op.requestBody.$ref !== 'string')
        problems.push(`${where}: requestBody without content`);
    }

    // Assert
    expect(problems).toEqual([]);
    expect(ids.size).toBe(operations.length);
  });
});
