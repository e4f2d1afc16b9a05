#!/usr/bin/env node
// The `leadloop` command (package.json "bin"): runs bin/leadloop.ts through tsx, so `npx leadloop …` works
// right after `npm ci` without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./leadloop.ts');
process.exitCode = await main(process.argv.slice(2));
