import { parseSettings, type Settings } from '#config/settings-schema';
// The values marketing ops edit. Imported by relative path, and only here: everything else reads the
// validated `settings` (settings.ts).
import * as values from '../../config/index.ts';

/**
 * Where the settings come from when the code runs from source (the CDK app at synth, tests, `npm start`,
 * scripts): `config/`, validated here, at import. A wrong value throws `ConfigError` naming the field.
 *
 * A deployed function does not run this file: the Lambda bundles (infra/bundling.ts, used by the CDK
 * wrapper and bench/coldstart.ts) replace this module with settings-source.bundled.ts, which holds the
 * settings the synth validated. Keep both exporting the same names.
 */
export const validatedSettings: Settings = parseSettings(values);
