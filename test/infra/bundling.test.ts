import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { type Settings, settings } from '#config/settings';
import { apiDocument } from '#http/openapi';
import {
  bundleAliases,
  bundleOptions,
  SETTINGS_DEFINE_NAME,
  writeOpenApiDocument,
  writeSettingsDocuments,
} from '#infra/bundling';
import { FUNCTIONS } from '#infra/catalog';
import { handler as sourceHandler } from '../../functions/ops-settings/handler.ts';

/*
 * The Lambda bundles take the settings the synth validated instead of validating at cold start, and leave the
 * X-Ray SDK out unless `app.sdkTracing` asks for it (infra/bundling.ts). These build real bundles with the
 * options infra/lead-function.ts passes to esbuild and look at what is inside and what they export.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const OUT = mkdtempSync(join(tmpdir(), 'leadloop-bundling-'));
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

const bundle = async (name: string, contents: string, with_: Settings = settings) => {
  const outfile = join(OUT, `${name}.mjs`);
  const result = await build({
    ...bundleOptions(ROOT, with_),
    stdin: { contents, resolveDir: ROOT, loader: 'ts' },
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  return { outfile, inputs: Object.keys((result.metafile as Metafile).inputs) };
};

describe('Lambda bundles', () => {
  it('given the validated settings, when a bundle exports them, then they are exactly the settings the synth validated', async () => {
    const { outfile, inputs } = await bundle('settings', "export { settings } from '#config/settings';");
    const bundled = (await import(pathToFileURL(outfile).href)) as { settings: Settings };

    // toStrictEqual: an `undefined` left by a transform would be lost in the JSON literal, and this says so.
    expect(bundled.settings).toStrictEqual(settings);
    expect(inputs).toContain('shared/config/settings-source.bundled.ts');
    expect(inputs.filter((i) => /settings-schema|settings-source\.ts|^config\//.test(i))).toEqual([]);
    expect(inputs.some((i) => i.includes('node_modules/zod/'))).toBe(false);
  });

  it('given other settings, when bundled, then the bundle carries those (the stack’s), not config/ as it is on disk', async () => {
    const other = structuredClone(settings);
    other.app.stage = 'bundling-test';
    const { outfile } = await bundle('other', "export { settings } from '#config/settings';", other);
    const bundled = (await import(pathToFileURL(outfile).href)) as { settings: Settings };

    expect(bundled.settings.app.stage).toBe('bundling-test');
  });

  it('given a handler, when bundled, then neither the config schemas, classic zod nor the X-Ray SDK are on its import path', async () => {
    const { inputs } = await bundle('health', "export { handler } from './functions/health/handler.ts';");

    expect(inputs).toContain('shared/adapters/tracer.off.ts');
    expect(
      inputs.filter((i) =>
        /aws-xray-sdk|@aws-lambda-powertools\/tracer|shared\/config\/(?!env|errors|settings\.ts|settings-source\.bundled)/.test(
          i,
        ),
      ),
    ).toEqual([]);
    expect(inputs.filter((i) => /node_modules\/zod\/(index|v4\/classic)/.test(i))).toEqual([]);
  });

  it('given app.sdkTracing, when bundled, then the Powertools Tracer is in (SDK subsegments on)', async () => {
    const traced = structuredClone(settings);
    traced.app.sdkTracing = true;
    const { inputs } = await bundle(
      'traced',
      "export { handler } from './functions/health/handler.ts';",
      traced,
    );

    expect(bundleAliases(traced)).not.toHaveProperty('#adapters/tracer');
    expect(inputs).toContain('shared/adapters/tracer.ts');
    expect(inputs.some((i) => i.includes('aws-xray-sdk-core'))).toBe(true);
  });

  it('given the OpenAPI function, when bundled with the document the synth wrote beside it, then it serves the document generated from source, without classic zod, zod-to-openapi or the document in the bundle', async () => {
    const { outfile, inputs } = await bundle(
      'openapi',
      "export { servedDocumentJson } from '#http/openapi-document';",
    );
    expect(statSync(outfile).size).toBeLessThan(5_000);
    writeOpenApiDocument(OUT);
    const bundled = (await import(pathToFileURL(outfile).href)) as {
      servedDocumentJson: (url: string) => string;
    };

    expect(JSON.parse(bundled.servedDocumentJson('https://api.example.co.jp'))).toStrictEqual(
      JSON.parse(JSON.stringify(apiDocument('https://api.example.co.jp'))),
    );
    expect(
      inputs.filter((i) =>
        /zod-to-openapi|node_modules\/zod\/(index|v4\/classic)|shared\/http\/openapi\.ts/.test(i),
      ),
    ).toEqual([]);
  });

  it('given the settings function, when bundled with the answers the synth wrote beside it, then it answers exactly as from source, without the settings or the template renderer in the bundle', async () => {
    // Arrange
    const { outfile, inputs } = await bundle(
      'ops-settings',
      "export { handler } from './functions/ops-settings/handler.ts';",
    );
    writeSettingsDocuments(OUT, settings);
    const bundled = (await import(pathToFileURL(outfile).href)) as { handler: typeof sourceHandler };
    const request = (templateId?: string, locale?: string) => {
      const routeKey = templateId
        ? 'GET /v1/ops/settings/templates/{templateId}/preview'
        : 'GET /v1/ops/settings';
      return {
        routeKey,
        requestContext: {
          routeKey,
          authorizer: { jwt: { claims: { sub: 'u-1', token_use: 'id', 'cognito:groups': '[marketing]' } } },
        },
        ...(templateId ? { pathParameters: { templateId } } : {}),
        ...(locale ? { queryStringParameters: { locale } } : {}),
      } as unknown as Parameters<typeof sourceHandler>[0];
    };
    const asks: [string?, string?][] = [[], ['unknown-template'], ['nurture-thanks', 'fr']];
    for (const template of settings.templates)
      asks.push([template.id], [template.id, 'ja'], [template.id, 'en']);

    // Act + Assert: every answer byte for byte, headers and status included.
    for (const [templateId, locale] of asks) {
      const context = {} as Parameters<typeof sourceHandler>[1];
      const fromBundle = await bundled.handler(request(templateId, locale), context);
      const fromSource = await sourceHandler(request(templateId, locale), context);
      expect(fromBundle, `${templateId} ${locale}`).toStrictEqual(fromSource);
    }
    expect(
      inputs.filter((i) =>
        /settings-source|nurture\/templates|app\/(config-summary|preview-template)/.test(i),
      ),
    ).toEqual([]);
  });

  // A single non-ASCII character (a Japanese word in a regex literal: esbuild escapes strings, not regular
  // expressions) makes Node decode the whole file to a two-byte string and V8 scan it as one: about 5 ms of
  // a 95 ms cold import of ops-imports (bench/coldstart.ts). Write such characters as \u escapes.
  it('given every function of the stack, when bundled, then its bundle is pure ASCII (a one-byte source for V8)', async () => {
    const found: Record<string, string> = {};
    for (const spec of FUNCTIONS) {
      const result = await build({
        ...bundleOptions(ROOT, settings),
        entryPoints: [join(ROOT, spec.entry)],
        outfile: join(OUT, `ascii-${spec.name}.mjs`),
        write: false,
        logLevel: 'silent',
      });
      const text = result.outputFiles[0]?.text ?? '';
      const nonAscii = [...new Set(text.match(/\P{ASCII}/gu) ?? [])].join('');
      if (nonAscii) found[spec.name] = nonAscii;
      expect(text.length).toBeGreaterThan(0);
    }

    expect(found).toEqual({});
  }, 120_000);

  it('given a bundle built without the settings define, when imported, then it fails naming the missing settings', async () => {
    const outfile = join(OUT, 'undefined.mjs');
    const options = bundleOptions(ROOT, settings);
    await build({
      ...options,
      define: {},
      stdin: { contents: "export { settings } from '#config/settings';", resolveDir: ROOT, loader: 'ts' },
      outfile,
      logLevel: 'silent',
    });

    await expect(import(pathToFileURL(outfile).href)).rejects.toThrow(SETTINGS_DEFINE_NAME);
  });
});
