/**
 * Test support: the hollow runtime's harness for the runtime contract and the kubelet's lifecycle
 * suite (the simulated command table, plus a few test-only words).
 */
import type { RuntimeCommands, RuntimeHarness } from '../contract.js';
import type { ContainerConfig } from '../runtime.js';
import { HollowMachine, HollowRuntime } from './hollow-runtime.js';
import { type HollowBehaviour, simulatedBehaviour } from './simulated-commands.js';

/** The contract's commands: the simulated table where it has them, else test-only words read by `testBehaviour`. */
export const commands: RuntimeCommands = {
  echo: (text) => ['echo', text],
  printLines: (lines) => ['hollow-test', 'print-lines', ...lines],
  echoArgs: () => ['echo'],
  exit: (code) => ['exit', String(code)],
  sleepForever: () => ['sleep', 'infinity'],
  ignoreTermAndSleep: () => ['hollow-test', 'ignore-term'],
  printOnTerm: (text) => ['hollow-test', 'print-on-term', text],
  printEnv: () => ['env'],
  printWorkingDir: () => ['pwd'],
};

/** `simulatedBehaviour`, plus the test-only words of `commands`: how a scale test shapes its containers. */
export function testBehaviour(config: ContainerConfig): HollowBehaviour {
  const [tag, word, ...rest] = config.command ?? [];
  if (tag !== 'hollow-test') return simulatedBehaviour(config);
  switch (word) {
    case 'print-lines':
      return { type: 'exit', code: 0, afterMs: 0, output: rest };
    case 'ignore-term':
      return { type: 'runForever', output: ['ready'], onTerm: { type: 'ignore' } };
    default:
      return { type: 'runForever', output: ['ready'], onTerm: { type: 'exit', code: 0, output: rest } };
  }
}

/** A hollow runtime harness on a fresh simulated machine. */
export async function hollowHarness(): Promise<RuntimeHarness> {
  const machine = new HollowMachine();
  return {
    open: async (node) => new HollowRuntime({ node, machine, behaviour: testBehaviour, images: ['busybox'] }),
    commands,
    image: 'busybox',
    missingImage: 'no-such-image:1',
    workingDir: '/srv/app',
    cleanup: async () => undefined,
  };
}
