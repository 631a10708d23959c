/**
 * What a hollow container "runs". Nothing is executed: a container's argv (command + args) is read
 * against a small table of simulated commands, for both a container's main command (through
 * `simulatedBehaviour`, the default behaviour) and exec:
 *
 *   echo ARGS...          prints ARGS joined by spaces, exits 0
 *   env | printenv        prints NAME=value per variable, exits 0
 *   printenv NAME         prints the value, exits 1 when unset
 *   pwd                   prints the working dir (`/` when none is given), exits 0
 *   true | false          exits 0 | 1
 *   exit N                exits N
 *   sleep N | infinity    (main command) exits 0 after N seconds | runs forever
 *   cat PATH              (exec) prints a file under one of the container's mounts, read from the host
 *   anything else         main command: runs forever (as a server would); exec: 127, not found
 *
 * Kept small on purpose: scale tests need containers that start, run and exit on cue, not a shell.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerConfig, ExecResult } from '../runtime.js';

/** What a hollow container does once started (and, for a stop, on SIGTERM). */
export type HollowBehaviour =
  | {
      readonly type: 'runForever';
      /** Lines it prints once started. */
      readonly output?: readonly string[];
      readonly onTerm?: TermBehaviour;
      /** Overrides the runtime's default start delay. */
      readonly startDelayMs?: number;
    }
  | {
      readonly type: 'exit';
      readonly code: number;
      /** After this long running (0: at once). */
      readonly afterMs: number;
      readonly output?: readonly string[];
      readonly onTerm?: TermBehaviour;
      readonly startDelayMs?: number;
    }
  | {
      /** `startContainer` throws a `RuntimeError` with this message; the container is left exited (128). */
      readonly type: 'failToStart';
      readonly message: string;
      readonly startDelayMs?: number;
    };

/**
 * How a running hollow container answers SIGTERM: exits (by default with 143, as a process killed
 * by SIGTERM, after printing `output`), or ignores it and waits for the SIGKILL after the grace period.
 */
export type TermBehaviour =
  | { readonly type: 'exit'; readonly code?: number; readonly output?: readonly string[] }
  | { readonly type: 'ignore' };

/** The default behaviour: the container's argv read against the simulated command table. */
export function simulatedBehaviour(config: ContainerConfig): HollowBehaviour {
  const argv = [...(config.command ?? []), ...(config.args ?? [])];
  if (argv[0] === 'sleep') {
    const seconds = Number(argv[1]);
    return Number.isFinite(seconds)
      ? { type: 'exit', code: 0, afterMs: seconds * 1000 }
      : { type: 'runForever' };
  }
  const result = runSimulatedCommand(argv, config);
  if (result === undefined) return { type: 'runForever' };
  return {
    type: 'exit',
    code: result.exitCode,
    afterMs: 0,
    output: outputLines(result.stdout + result.stderr),
  };
}

/**
 * Runs one of the table's commands (all but `sleep` and `cat`), or returns undefined for a command the
 * table does not know.
 */
export function runSimulatedCommand(
  argv: readonly string[],
  config: ContainerConfig,
): ExecResult | undefined {
  const [name, ...rest] = argv;
  const ok = (stdout: string): ExecResult => ({ exitCode: 0, stdout, stderr: '' });
  switch (name) {
    case 'echo':
      return ok(`${rest.join(' ')}\n`);
    case 'env':
    case 'printenv': {
      if (name === 'printenv' && rest[0] !== undefined) {
        const found = lastValue(config, rest[0]);
        return found === undefined ? { exitCode: 1, stdout: '', stderr: '' } : ok(`${found}\n`);
      }
      return ok(config.env.map((e) => `${e.name}=${e.value}\n`).join(''));
    }
    case 'pwd':
      return ok(`${config.workingDir ?? '/'}\n`);
    case 'true':
      return ok('');
    case 'false':
      return { exitCode: 1, stdout: '', stderr: '' };
    case 'exit':
      return { exitCode: Number(rest[0] ?? 0) || 0, stdout: '', stderr: '' };
    default:
      return undefined;
  }
}

/** Exec's `cat PATH`: the file under the mount whose container path contains PATH, read from the host. */
export async function catMountedFile(file: string, config: ContainerConfig): Promise<ExecResult> {
  for (const mount of config.mounts) {
    const relative = path.posix.relative(mount.containerPath, path.posix.normalize(file));
    if (relative.startsWith('..') || path.posix.isAbsolute(relative)) continue;
    try {
      const text = await readFile(
        relative === '' ? mount.hostPath : path.join(mount.hostPath, relative),
        'utf8',
      );
      return { exitCode: 0, stdout: text, stderr: '' };
    } catch (error) {
      return { exitCode: 1, stdout: '', stderr: `cat: ${file}: ${(error as NodeJS.ErrnoException).code}\n` };
    }
  }
  return { exitCode: 1, stdout: '', stderr: `cat: ${file}: No such file or directory\n` };
}

/** The lines of a command's output, without the empty one after its last newline. */
export function outputLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function lastValue(config: ContainerConfig, name: string): string | undefined {
  return config.env.findLast((e) => e.name === name)?.value;
}
