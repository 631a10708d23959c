/**
 * Test support: the Podman runtime's harness for the runtime contract and the kubelet's lifecycle
 * suite, with busybox commands (the local image `scripts/setup-podman.sh` builds). A process that
 * is PID 1 in its container ignores signals it has no handler for, so "dies on SIGTERM" needs a
 * shell with a trap.
 */
import type { RuntimeCommands, RuntimeHarness } from '../contract.js';
import { PodmanRuntime } from './podman-runtime.js';

export const commands: RuntimeCommands = {
  echo: (text) => ['echo', text],
  printLines: (lines) => ['sh', '-c', 'printf "%s\\n" "$@"', 'sh', ...lines],
  echoArgs: () => ['echo'],
  exit: (code) => ['sh', '-c', `exit ${code}`],
  sleepForever: () => ['sh', '-c', "trap 'exit 143' TERM; sleep 100000 & wait"],
  ignoreTermAndSleep: () => ['sh', '-c', "trap '' TERM; echo ready; sleep 100000 & wait; sleep 100000"],
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

/** A Podman runtime harness on the service `scripts/setup-podman.sh` started. */
export async function podmanHarness(socketPath?: string): Promise<RuntimeHarness> {
  return {
    open: async (node) => new PodmanRuntime({ node, ...(socketPath ? { socketPath } : {}) }),
    commands,
    image: 'docker.io/library/busybox:latest',
    missingImage: 'localhost/no-such-image:1',
    workingDir: '/tmp',
    cleanup: async () => undefined,
  };
}
