/**
 * The web console's first load: every file the browser fetches before the first page shows (index.html,
 * the bundle's JS and CSS, config.json), as built by the project's build (esbuild, minified) and gzipped the
 * way CloudFront compresses them. Fails (exit 1) over the budget of 250 KB gzipped.
 *
 *   npx tsx bench/console-size.ts
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { bundleConsole } from '../console/build.ts';

const BUDGET_GZIP_BYTES = 250 * 1024;
const files = await bundleConsole();
const config = Buffer.from(
  JSON.stringify({
    apiUrl: '',
    cognitoEndpoint: 'https://cognito-idp.ap-northeast-1.amazonaws.com/',
    clientId: 'x'.repeat(26),
  }),
);
const rows = [
  ...files.map((f) => ({ file: f.path, body: f.body })),
  { file: 'config.json', body: config },
].map(({ file, body }) => ({ file, raw: body.length, gzip: gzipSync(body, { level: 9 }).length }));
const total = rows.reduce((sum, r) => ({ raw: sum.raw + r.raw, gzip: sum.gzip + r.gzip }), {
  raw: 0,
  gzip: 0,
});
console.table([...rows, { file: 'total', ...total }]);
const ok = total.gzip <= BUDGET_GZIP_BYTES;
console.log(
  `console first load: ${(total.gzip / 1024).toFixed(1)} KB gzipped of a ${BUDGET_GZIP_BYTES / 1024} KB budget: ${ok ? 'ok' : 'OVER BUDGET'}`,
);
writeFileSync(
  'bench/results/console-size.json',
  `${JSON.stringify({ files: rows, total, budgetGzipBytes: BUDGET_GZIP_BYTES, ok }, null, 2)}\n`,
);
if (!ok) process.exit(1);
