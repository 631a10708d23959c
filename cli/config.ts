/**
 * The CLI's config file: contexts that name a cluster's API address and a default namespace, and
 * the current one (kubeconfig's idea, in a smaller file). The CLI finds its cluster from
 * `--server`, else `SKIFF_SERVER`, else the current context of `SKIFF_CONFIG` (default
 * `~/.skiff/config`).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

export interface Context {
  readonly name: string;
  /** `http://127.0.0.1:6443` */
  readonly server: string;
  readonly namespace?: string;
}

export interface SkiffConfig {
  readonly apiVersion: 'skiff/v1';
  readonly kind: 'Config';
  readonly currentContext?: string;
  readonly contexts: readonly Context[];
}

/** Where the config lives: `SKIFF_CONFIG`, else `~/.skiff/config`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SKIFF_CONFIG || join(homedir(), '.skiff', 'config');
}

/** Reads the config; a missing file is an empty config. */
export function readConfig(path = configPath()): SkiffConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { apiVersion: 'skiff/v1', kind: 'Config', contexts: [] };
    throw err;
  }
  const value = parse(text) as Partial<SkiffConfig> | null;
  const contexts = Array.isArray(value?.contexts) ? value.contexts.filter(isContext) : [];
  return {
    apiVersion: 'skiff/v1',
    kind: 'Config',
    ...(typeof value?.currentContext === 'string' ? { currentContext: value.currentContext } : {}),
    contexts,
  };
}

/** Adds or replaces a context and makes it current; writes atomically (temp file + rename). */
export function useContext(context: Context, path = configPath()): void {
  const config = readConfig(path);
  const next: SkiffConfig = {
    ...config,
    currentContext: context.name,
    contexts: [...config.contexts.filter((c) => c.name !== context.name), context],
  };
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, stringify(next), { mode: 0o600 });
  renameSync(temp, path);
}

/** The API address to use: explicit flag, `SKIFF_SERVER`, then the current context. */
export function resolveServer(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (flag) return flag;
  if (env.SKIFF_SERVER) return env.SKIFF_SERVER;
  const config = readConfig(configPath(env));
  return config.contexts.find((c) => c.name === config.currentContext)?.server;
}

function isContext(value: unknown): value is Context {
  const c = value as Partial<Context> | null;
  return typeof c?.name === 'string' && typeof c.server === 'string';
}
