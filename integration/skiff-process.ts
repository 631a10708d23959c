/**
 * Test support: runs `skiff` (the built CLI, bin/run.js) as a child process, waits for its ready
 * line, and stops or kills it by its own pid. `npm test` builds before it tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/cli/commands', import.meta.url));

export interface SkiffProcess {
  readonly pid: number;
  /** The ready line's text. */
  readonly ready: string;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (after SIGCONT, when paused), then waits for the exit. */
  stop(): Promise<void>;
  kill(): Promise<void>;
  /** SIGSTOP: the process freezes mid-whatever, its connections open, as a long GC pause or a stalled VM. */
  pause(): void;
  /** SIGCONT: a paused process runs on from where it stopped. */
  resume(): void;
}

/** True when the CLI has been built (tests that spawn it are skipped otherwise). */
export function cliBuilt(): boolean {
  return existsSync(DIST);
}

/**
 * Starts `skiff <args>` and resolves once stdout prints a line matching `ready`, or rejects when
 * the process exits first (with its output in the error).
 */
export function startSkiff(
  args: readonly string[],
  options: { env?: Record<string, string>; ready: RegExp; timeoutMs?: number },
): Promise<SkiffProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const output = () => chunks.join('');
  const running = () => child.exitCode === null && child.signalCode === null;
  let paused = false;
  const signal = (sig: NodeJS.Signals) => {
    if (running()) child.kill(sig);
  };
  // A stopped process acts on SIGTERM only once continued: stop() sends SIGCONT after it.
  const resume = () => {
    if (paused) signal('SIGCONT');
    paused = false;
  };
  const handle = (line: string): SkiffProcess => ({
    pid: child.pid as number,
    ready: line,
    output,
    exited,
    stop: async () => {
      signal('SIGTERM');
      resume();
      await exited;
    },
    kill: async () => {
      signal('SIGKILL');
      await exited;
    },
    pause: () => {
      signal('SIGSTOP');
      paused = running();
    },
    resume,
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`skiff ${args.join(' ')} was not ready in time:\n${output()}`));
    }, options.timeoutMs ?? 30_000);
    child.stdout?.on('data', (data: Buffer) => {
      chunks.push(data.toString());
      stdout += data.toString();
      const line = stdout.split('\n').find((l) => options.ready.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(handle(line));
      }
    });
    child.stderr?.on('data', (data: Buffer) => chunks.push(data.toString()));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(`skiff ${args.join(' ')} exited (${code ?? signal}) before it was ready:\n${output()}`),
      );
    });
  });
}
