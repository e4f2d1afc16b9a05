import type { Settings } from '#config/settings-schema';

/**
 * The settings as a deployed function sees them: the output of `parseSettings(config/)` computed by the CDK
 * app at synth (infra/bundling.ts), written into the bundle as its JSON in a string literal by esbuild `define`
 * (parsed here once, which is cheaper at a cold start than an object literal), and swapped in for
 * settings-source.ts by an esbuild alias. So the bundle carries no zod schema for the config and parses
 * nothing at import; the config was validated before the code was built. A bundle built without the define
 * fails at import with a ReferenceError naming LEADLOOP_SETTINGS, never with a wrong config.
 *
 * Runs only inside a bundle (test/infra/bundling.test.ts builds one and compares its settings).
 */
declare const LEADLOOP_SETTINGS: string;

export const validatedSettings: Settings = JSON.parse(LEADLOOP_SETTINGS);
