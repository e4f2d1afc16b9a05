/**
 * The web console's first load: every file the browser fetches before the first page shows (index.html,
 * the bundle's JS and CSS, config.json), as built by the project's build (esbuild, minified) and gzipped the
 * way CloudFront compresses them, against a floor built the same way: the libraries alone (preact, its hooks,
 * htm, uPlot with its CSS, uqr for the authenticator's QR code). Target: 250 KB gzipped (issue 14's budget).
 *
 *   npx tsx bench/console-size.ts
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { bundleConsole, CONSOLE_BUILD_OPTIONS } from '../console/build.ts';
import { figure, writeResult } from './support.ts';

const BUDGET_GZIP_BYTES = 250 * 1024;
const gzip = (body: Uint8Array) => gzipSync(body, { level: 9 }).length;

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
].map(({ file, body }) => ({ file, raw: body.length, gzip: gzip(body) }));
const total = rows.reduce((sum, r) => ({ raw: sum.raw + r.raw, gzip: sum.gzip + r.gzip }), {
  raw: 0,
  gzip: 0,
});

// The floor: what the libraries the console uses cost on their own, bundled and minified the same way.
const libraries = await build({
  stdin: {
    contents: [
      "import { h, render } from 'preact';",
      "import { useState } from 'preact/hooks';",
      "import htm from 'htm';",
      "import uPlot from 'uplot';",
      "import 'uplot/dist/uPlot.min.css';",
      "import { renderSVG } from 'uqr';",
      'globalThis.keep = [h, render, useState, htm, uPlot, renderSVG];',
    ].join('\n'),
    resolveDir: process.cwd(),
    loader: 'ts',
  },
  ...CONSOLE_BUILD_OPTIONS,
});
const floor = libraries.outputFiles.reduce((n, f) => n + gzip(f.contents), 0);

console.table([
  ...rows,
  { file: 'total', ...total },
  { file: 'floor (libraries alone)', raw: 0, gzip: floor },
]);
writeResult(
  'console-size',
  [
    figure('console first load, gzipped', total.gzip, 'B', floor, {
      on: 'figure',
      max: BUDGET_GZIP_BYTES,
      source: 'issue 14: first load under 250 KB gzipped',
    }),
  ],
  { files: rows, total },
);
