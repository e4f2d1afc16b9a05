/**
 * The tracking snippet's weight on every page: bytes as shipped, minified (esbuild) and minified+gzip,
 * next to a floor: the smallest useful beacon (a page view with sendBeacon, minified the same way).
 *
 *   npx tsx bench/snippet.ts
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { transform } from 'esbuild';
import { figure, writeResult } from './support.ts';

const source = readFileSync('examples/ma.js', 'utf8');
const floorSource =
  "navigator.sendBeacon('/v1/track',JSON.stringify({events:[{eventId:crypto.randomUUID(),type:'page_view',url:location.href,occurredAt:new Date().toISOString()}]}))";
const sizes = async (code: string) => {
  const min = (await transform(code, { minify: true, target: 'es2017' })).code;
  return { raw: Buffer.byteLength(code), minified: Buffer.byteLength(min), gzip: gzipSync(min).length };
};
const snippet = await sizes(source);
const floor = await sizes(floorSource);
const result = { snippet, floor, gzipOverFloor: +(snippet.gzip / floor.gzip).toFixed(2) };
console.table({ snippet, floor });
console.log(`gzip size ${snippet.gzip} B = ${result.gzipOverFloor}× the bare page-view beacon`);
writeResult(
  'snippet',
  [
    figure('tracking snippet, minified + gzip', snippet.gzip, 'B', floor.gzip, {
      on: 'figure',
      max: 4096,
      source: 'README: the snippet stays under 4 KB',
    }),
  ],
  result,
);
