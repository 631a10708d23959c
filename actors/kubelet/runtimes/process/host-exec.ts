/**
 * Spawning on the host for the process runtime: a container's main process (`spawned` waits for
 * it to be running) and exec (`runOnHost` collects output and exit code, with a timeout).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Clock } from '../../../../protocol/clock.js';
import { ExecTimeoutError } from '../../../../protocol/errors.js';
import type { ExecResult } from '../runtime.js';
import { exitCodeOf, signalGroup } from './proc.js';

/** Runs a command on the host and collects its output; an `ExecTimeoutError` after `timeoutMs`. */
export async function runOnHost(
  command: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; clock: Clock },
): Promise<ExecResult> {
  const child = spawn(command[0] ?? '', command.slice(1), {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise<ExecResult>((resolve, reject) => {
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : options.clock.setTimeout(() => {
            if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
            reject(new ExecTimeoutError(command, options.timeoutMs ?? 0));
          }, options.timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      timer?.cancel();
      // As a shell reports it: 127 not found, 126 found but not runnable.
      resolve({
        exitCode: error.code === 'ENOENT' ? 127 : 126,
        stdout,
        stderr: `${stderr}${error.message}\n`,
      });
    });
    // 'close', not 'exit': the output streams have ended too.
    child.once('close', (code, signal) => {
      timer?.cancel();
      resolve({ exitCode: exitCodeOf(code, signal), stdout, stderr });
    });
  });
}

/** Resolves once the child is running; rejects with the spawn error (command or cwd not found). */
export function spawned(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
}
