/**
 * The pid file of a running `skiff up` (`<data-dir>/skiff-up.pid`): `skiff down` finds the cluster
 * there, and a second `skiff up` on the same data directory is refused while the first runs.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError } from './output/index.js';

/** Where `skiff up` on `dataDir` records its pid. */
export function pidFilePath(dataDir: string): string {
  return join(dataDir, 'skiff-up.pid');
}

/** The pid of the `skiff up` running on `dataDir`, if one is (a stale file counts as none). */
export function runningUp(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFilePath(dataDir), 'utf8').trim());
  } catch (_missing) {
    // No file: nothing runs there.
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0); // signal 0: is it alive?
    return pid;
  } catch (_gone) {
    // The process is gone and left its file behind (a crash): nothing runs there.
    return undefined;
  }
}

/** Records this process as the `skiff up` of `dataDir`; refuses when another one runs there. */
export function claimDataDir(dataDir: string): () => void {
  const other = runningUp(dataDir);
  if (other !== undefined && other !== process.pid) {
    throw new CommandError(
      `skiff up is already running on ${dataDir} (pid ${other}); stop it with skiff down`,
    );
  }
  writeFileSync(pidFilePath(dataDir), `${process.pid}\n`);
  return () => rmSync(pidFilePath(dataDir), { force: true });
}
