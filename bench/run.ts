/**
 * `npm run bench`: every benchmark, one after the other (each starts its own engines), so they do not
 * disturb each other's measurements. Results land in bench/results/*.json.
 */
import { spawnSync } from 'node:child_process';

const BENCHES = ['snippet', 'tracking', 'capture', 'sweep', 'reports'] as const;
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
let failed = 0;
for (const bench of BENCHES.filter((b) => only.length === 0 || only.includes(b))) {
  console.log(`\n=== bench/${bench}.ts`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', `bench/${bench}.ts`], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
