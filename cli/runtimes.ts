/**
 * The container runtimes a kubelet can run on, by name (`--runtime`). A registry that is a function
 * returning a literal (STYLE.md): nothing registers itself by being imported.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../actors/kernel/log.js';
import { HollowRuntime } from '../actors/kubelet/runtimes/hollow/hollow-runtime.js';
import { LibpodClient } from '../actors/kubelet/runtimes/podman/libpod-client.js';
import { PodmanRuntime } from '../actors/kubelet/runtimes/podman/podman-runtime.js';
import { ProcessRuntime } from '../actors/kubelet/runtimes/process/process-runtime.js';
import type { ContainerRuntime } from '../actors/kubelet/runtimes/runtime.js';

export const RUNTIME_NAMES = ['podman', 'process', 'hollow'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** What opening a runtime may need. */
export interface RuntimeSettings {
  readonly node: string;
  readonly log: Logger;
  /** Where the process runtime keeps its state (default `~/.skiff/process/<node>`). */
  readonly stateDir?: string;
}

/** Opens the runtime called `name` for one node. */
export function openRuntime(name: RuntimeName, settings: RuntimeSettings): Promise<ContainerRuntime> {
  const openers: Record<RuntimeName, () => Promise<ContainerRuntime>> = {
    podman: async () => new PodmanRuntime({ node: settings.node, log: settings.log }),
    process: () =>
      ProcessRuntime.open({
        node: settings.node,
        stateDir: settings.stateDir ?? join(homedir(), '.skiff', 'process', settings.node),
        log: settings.log,
      }),
    hollow: async () => new HollowRuntime({ node: settings.node }),
  };
  return openers[name]();
}

/** True when Podman's REST service answers on its socket (within `timeoutMs`). */
export async function podmanAnswers(timeoutMs = 1_000): Promise<boolean> {
  const client = new LibpodClient({ timeoutMs });
  try {
    await client.ping({ timeoutMs });
    return true;
  } catch (_unreachable) {
    // No socket, nobody listening, or too slow: the answer is simply "no".
    return false;
  } finally {
    await client.close();
  }
}

/** `skiff up`'s default runtime: Podman when its service answers, else host processes. */
export async function defaultRuntime(): Promise<RuntimeName> {
  return (await podmanAnswers()) ? 'podman' : 'process';
}
