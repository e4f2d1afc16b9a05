/**
 * `npm run bench`: every benchmark, one after the other (each starts its own engines), so they do not
 * disturb each other's measurements. Name some to run only those (`npm run bench -- tracking cost`).
 * Each writes bench/results/<name>.json ({bench, date, pass, figures: [{name, figure, unit, floor, ratio,
 * target, pass}]}); this exits non-zero when a bench fails or any figure misses its target.
 * `--readme` rewrites README's benchmark figures (between the bench:figures markers) from the results;
 * `--report` runs nothing and only checks (and with --readme writes) the stored results.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BenchResult } from './support.ts';

const BENCHES = [
  'snippet',
  'console-size',
  'tracking',
  'units',
  'capture',
  'drain',
  'sweep',
  'reports',
  'call-list',
  'coldstart',
  'cost',
] as const;
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = only.filter((b) => !(BENCHES as readonly string[]).includes(b));
if (unknown.length) {
  console.error(`unknown bench: ${unknown.join(', ')} (have: ${BENCHES.join(', ')})`);
  process.exit(2);
}
const chosen = BENCHES.filter((b) => only.length === 0 || only.includes(b));
const failed: string[] = [];
// `--report`: only check the stored results (and rewrite README with --readme), run nothing.
for (const bench of process.argv.includes('--report') ? [] : chosen) {
  console.log(`\n=== bench/${bench}.ts`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', `bench/${bench}.ts`], { stdio: 'inherit' });
  if (run.status !== 0) failed.push(`${bench} (exit ${run.status})`);
}

const results = BENCHES.flatMap((b) => {
  const file = new URL(`./results/${b}.json`, import.meta.url);
  if (!existsSync(file)) return [];
  const result = JSON.parse(readFileSync(file, 'utf8')) as Partial<BenchResult>;
  return result.figures ? [result as BenchResult] : [];
});
for (const r of results.filter((r) => chosen.includes(r.bench as (typeof BENCHES)[number])))
  for (const f of r.figures.filter((f) => !f.pass))
    failed.push(`${r.bench}: ${f.name} = ${f.figure} ${f.unit}`);

if (process.argv.includes('--readme')) {
  const table = [
    '| Bench | Figure | Measured | Floor | Ratio | Target | Pass | Date |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.flatMap((r) =>
      r.figures.map((f) => {
        const t = f.target;
        const target = t ? `${t.on} ${t.max !== undefined ? `≤ ${t.max}` : `≥ ${t.min}`}` : '—';
        return `| ${r.bench} | ${f.name} | ${f.figure} ${f.unit} | ${f.floor} | ${f.ratio} | ${target} | ${f.pass ? 'yes' : '**no**'} | ${r.date.slice(0, 10)} |`;
      }),
    ),
  ].join('\n');
  const readme = readFileSync('README.md', 'utf8');
  const begin = '<!-- bench:figures:start -->';
  const end = '<!-- bench:figures:end -->';
  const at = readme.indexOf(begin);
  const to = readme.indexOf(end);
  if (at < 0 || to < 0) throw new Error('README.md has no bench:figures markers');
  writeFileSync('README.md', `${readme.slice(0, at + begin.length)}\n${table}\n${readme.slice(to)}`);
  console.log('README.md benchmark figures rewritten');
}

if (failed.length) {
  console.error(`\nbench: ${failed.length} failed or missed:\n  ${failed.join('\n  ')}`);
  process.exit(1);
}
console.log('\nbench: every target met');
