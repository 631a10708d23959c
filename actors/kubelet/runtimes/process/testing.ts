/**
 * Test support: the process runtime's harness for the runtime contract and the kubelet's
 * lifecycle suite (host `sh` and coreutils as the contract's commands, a throw-away state dir).
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { noopLogger } from '../../../../protocol/logger.js';
import type { RuntimeCommands, RuntimeHarness } from '../contract.js';
import { isSameLiveProcess, signalGroup } from './proc.js';
import { ProcessRuntime } from './process-runtime.js';
import { readRecords } from './state.js';

/** The contract's commands as host `sh` and coreutils. */
export const commands: RuntimeCommands = {
  echo: (text) => ['echo', text],
  printLines: (lines) => ['sh', '-c', 'printf "%s\\n" "$@"', 'sh', ...lines],
  echoArgs: () => ['echo'],
  exit: (code) => ['sh', '-c', `exit ${code}`],
  sleepForever: () => ['sleep', '100000'],
  // `exec` keeps the pid; the ignored disposition is inherited by sleep.
  ignoreTermAndSleep: () => ['sh', '-c', "trap '' TERM; echo ready; exec sleep 100000"],
  // The group's SIGTERM ends the background sleep, `wait` returns, the trap prints and exits 0.
  printOnTerm: (text) => [
    'sh',
    '-c',
    'trap \'echo "$1"; exit 0\' TERM; echo ready; sleep 100000 & wait',
    'sh',
    text,
  ],
  printEnv: () => ['env'],
  printWorkingDir: () => ['pwd'],
};

/** Kills every process group a state directory's records name, and deletes the directory. */
export function destroyStateDir(stateDir: string): void {
  for (const record of readRecords(stateDir, noopLogger)) {
    if (record.kind === 'container' && record.pid && record.pidStartTicks) {
      if (isSameLiveProcess(record.pid, record.pidStartTicks)) signalGroup(record.pid, 'SIGKILL');
    }
  }
  rmSync(stateDir, { recursive: true, force: true });
}

export const newStateDir = () => realpathSync(mkdtempSync(path.join(tmpdir(), 'skiff-process-runtime-')));

/** A process runtime harness on a fresh state directory. */
export async function processHarness(): Promise<RuntimeHarness> {
  const stateDir = newStateDir();
  const workingDir = realpathSync(mkdtempSync(path.join(tmpdir(), 'skiff-process-workdir-')));
  return {
    open: (node) => ProcessRuntime.open({ node, stateDir, images: ['busybox'], adoptedPollMs: 50 }),
    commands,
    image: 'busybox',
    missingImage: 'no-such-image:1',
    workingDir,
    cleanup: async () => {
      destroyStateDir(stateDir);
      rmSync(workingDir, { recursive: true, force: true });
    },
  };
}
