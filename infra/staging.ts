import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary directories a synth stages files in (the console bundle, the settings answers, the OpenAPI
 * document) before CDK copies them into the cloud assembly. Removed when the process exits (`cdk synth` and
 * `cdk deploy` run the app as a process of its own), so a synth leaves nothing in the temp directory.
 */
const dirs: string[] = [];

export function stagingDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (dirs.length === 0) process.once('exit', removeStagingDirs);
  dirs.push(dir);
  return dir;
}

/** True while `dir` (a staging directory handed out before) is still there. */
export const isStaged = (dir: string | undefined): dir is string => dir !== undefined && existsSync(dir);

/** Removes every staging directory now (test workers end without an exit event). */
export function removeStagingDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
