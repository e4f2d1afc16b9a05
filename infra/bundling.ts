import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import type { Settings } from '#config/settings';
import { apiDocument } from '#http/openapi';
import {
  OPENAPI_DOCUMENT_DIR,
  OPENAPI_DOCUMENT_FILE,
  OPENAPI_SERVER_PLACEHOLDER,
} from '#http/openapi-server';
import { settingsDocumentFiles } from '#http/settings-documents';
import { SETTINGS_DOCUMENTS_DIR } from '#http/settings-documents-index';
import { isStaged, stagingDir } from './staging.ts';

/**
 * How every Lambda bundle is built, in one place: the CDK wrapper (infra/lead-function.ts) and the cold-start
 * bench (bench/coldstart.ts) both take their esbuild options from here, so the bench measures what deploys.
 *
 * The settings: the CDK app has validated `config/` at synth (importing `#config/settings` runs
 * `parseSettings`), so a bundle takes that result as it is. `#config/settings-source` is aliased to
 * shared/config/settings-source.bundled.ts and the settings are defined as their JSON; no config schema,
 * no zod parse and no time-zone check is left on a function's import path. The settings are plain JSON by
 * construction (test/infra/bundling.test.ts builds a bundle and compares them with the validated ones).
 */

/** Node's target in the bundle: the Lambda runtime's (infra/lead-function.ts uses Node.js 24). */
export const BUNDLE_TARGET = 'node24';

/** ESM builds first: the SDK's and Powertools' `module` entries tree-shake where their CommonJS `main` cannot. */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];

/** Some CommonJS dependencies call require(); give the ESM bundle one. */
export const BUNDLE_BANNER =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/** Module swapped in bundles (paths relative to the project root, where esbuild runs). */
export const SETTINGS_SOURCE_ALIAS = {
  '#config/settings-source': './shared/config/settings-source.bundled.ts',
} as const;

/** The OpenAPI document is static: generated at synth, read from a file beside the bundle (below). */
export const OPENAPI_DOCUMENT_ALIAS = {
  '#http/openapi-document': './shared/http/openapi-document.bundled.ts',
} as const;

/** The console's settings answers are computed at synth and read from files beside the bundle (below). */
export const SETTINGS_DOCUMENTS_ALIAS = {
  '#http/settings-documents': './shared/http/settings-documents.bundled.ts',
} as const;

/** Without `app.sdkTracing`, the tracer adapter is swapped for its no-op twin (no X-Ray SDK in the bundle). */
export const TRACER_OFF_ALIAS = { '#adapters/tracer': './shared/adapters/tracer.off.ts' } as const;

/** Every module swap of a bundle built with these settings. */
export function bundleAliases(settings: Settings): Record<string, string> {
  return {
    ...SETTINGS_SOURCE_ALIAS,
    ...OPENAPI_DOCUMENT_ALIAS,
    ...SETTINGS_DOCUMENTS_ALIAS,
    ...(settings.app.sdkTracing ? {} : TRACER_OFF_ALIAS),
  };
}

/** The identifier settings-source.bundled.ts reads. */
export const SETTINGS_DEFINE_NAME = 'LEADLOOP_SETTINGS';

/**
 * esbuild `define` for the validated settings, as a string literal of their JSON that the bundle parses once
 * at import (`JSON.parse`): V8 scans a string literal and parses JSON faster than it compiles the same data as
 * an object literal, about 1.5 ms of every cold start (bench/coldstart.ts).
 */
export function settingsDefine(settings: Settings): Record<string, string> {
  return { [SETTINGS_DEFINE_NAME]: JSON.stringify(JSON.stringify(settings)) };
}

/**
 * Writes the OpenAPI document, with a placeholder server the function replaces with the deployment's URL, into
 * `OPENAPI_DOCUMENT_DIR` under `dir`, where a bundle in `dir` reads it (shared/http/openapi-document.bundled.ts).
 * Returns that directory.
 */
export function writeOpenApiDocument(dir: string): string {
  const target = join(dir, OPENAPI_DOCUMENT_DIR);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, OPENAPI_DOCUMENT_FILE), JSON.stringify(apiDocument(OPENAPI_SERVER_PLACEHOLDER)));
  return target;
}

let stagedOpenApi: string | undefined;
/** The OpenAPI document written once per synth into a temporary directory (see `stagedSettingsDocuments`). */
export function stagedOpenApiDocument(): string {
  if (!isStaged(stagedOpenApi)) stagedOpenApi = writeOpenApiDocument(stagingDir('leadloop-openapi-'));
  return stagedOpenApi;
}

/**
 * Writes the settings answers (`settingsDocumentFiles`) into `SETTINGS_DOCUMENTS_DIR` under `dir`, where a
 * bundle in `dir` reads them (shared/http/settings-documents.bundled.ts). Returns that directory.
 */
export function writeSettingsDocuments(dir: string, settings: Settings): string {
  const target = join(dir, SETTINGS_DOCUMENTS_DIR);
  mkdirSync(target, { recursive: true });
  for (const [name, text] of Object.entries(settingsDocumentFiles(settings)))
    writeFileSync(join(target, name), text);
  return target;
}

const staged = new WeakMap<Settings, string>();
/**
 * The settings answers written once per synth into a temporary directory, for a function's bundling to copy
 * beside its bundle (infra/lead-function.ts, `afterBundling`). Returns the `SETTINGS_DOCUMENTS_DIR` there.
 */
export function stagedSettingsDocuments(settings: Settings): string {
  let dir = staged.get(settings);
  if (!isStaged(dir)) {
    dir = writeSettingsDocuments(stagingDir('leadloop-settings-'), settings);
    staged.set(settings, dir);
  }
  return dir;
}

/** The same aliases as esbuild command-line arguments (what CDK's `bundling.esbuildArgs` passes). */
export function aliasArgs(settings: Settings): Record<string, string[]> {
  return { '--alias': Object.entries(bundleAliases(settings)).map(([from, to]) => `${from}=${to}`) };
}

/**
 * The same build through esbuild's API (bench/coldstart.ts, test/infra/bundling.test.ts): what
 * NodejsFunction runs for infra/lead-function.ts, minus the source map file.
 */
export function bundleOptions(root: string, settings: Settings): BuildOptions {
  return {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    minify: true,
    mainFields: BUNDLE_MAIN_FIELDS,
    tsconfig: join(root, 'tsconfig.json'),
    banner: { js: BUNDLE_BANNER },
    define: settingsDefine(settings),
    alias: bundleAliases(settings),
  };
}
