import { copyFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BuildOptions, build, buildSync } from 'esbuild';

/**
 * The console's bundle: one esbuild pass over `console/src/main.ts` (Preact + htm + uPlot), minified, plus
 * `index.html`. The local runtime serves it from memory at `/console/`; `scripts/build-console.ts` writes
 * it to `console/dist/` for the CDK deployment to S3 (CloudFront in front).
 */
export const CONSOLE_DIR = resolve(import.meta.dirname);

export interface ConsoleFile {
  path: string;
  contentType: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
};
export const contentTypeOf = (path: string): string =>
  TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';

/** How the console is bundled (also what bench/console-size.ts builds its floor with). */
export const CONSOLE_BUILD_OPTIONS = {
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  outdir: 'out',
  write: false,
  legalComments: 'none',
  logLevel: 'silent',
} as const satisfies BuildOptions;

export async function bundleConsole(): Promise<ConsoleFile[]> {
  const result = await build({ ...CONSOLE_BUILD_OPTIONS, entryPoints: [join(CONSOLE_DIR, 'src/main.ts')] });
  const files: ConsoleFile[] = result.outputFiles.map((f) => {
    const name = f.path.slice(f.path.lastIndexOf('/') + 1);
    return { path: name, contentType: contentTypeOf(name), body: Buffer.from(f.contents) };
  });
  files.push({
    path: 'index.html',
    contentType: TYPES['.html'] ?? '',
    body: readFileSync(join(CONSOLE_DIR, 'index.html')),
  });
  return files;
}

/** The same bundle, synchronously, into a folder (the CDK app needs it at synth: `Source.asset`). */
export function bundleConsoleSync(outDir: string): string {
  buildSync({
    entryPoints: [join(CONSOLE_DIR, 'src/main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    outdir: outDir,
    legalComments: 'none',
    logLevel: 'silent',
  });
  copyFileSync(join(CONSOLE_DIR, 'index.html'), join(outDir, 'index.html'));
  return outDir;
}
