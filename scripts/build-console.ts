import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleConsole, CONSOLE_DIR } from '../console/build.ts';

/** `npm run build:console`-style: writes the console bundle to console/dist/ (the CDK deploys that folder). */
const out = join(CONSOLE_DIR, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const file of await bundleConsole()) writeFileSync(join(out, file.path), file.body);
console.log(`console bundle written to ${out}`);
