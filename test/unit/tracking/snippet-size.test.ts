import { readFileSync } from 'node:fs';
import { transform } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('tracking snippet weight', () => {
  it('given the snippet, when minified as a site would ship it, then it stays under its 4 KB budget and is plain ES2017', async () => {
    const source = readFileSync('examples/ma.js', 'utf8');

    const { code } = await transform(source, { minify: true, target: 'es2017' });

    expect(Buffer.byteLength(code)).toBeLessThan(4096);
    expect(source).not.toMatch(/\bimport\s|\brequire\(/);
  });
});
