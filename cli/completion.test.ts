import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliBuilt } from '../integration/skiff-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What bash completes for `words` (the last one being typed) with the script sourced. */
async function complete(words: string[]): Promise<string[]> {
  const script = [
    `source <(node ${JSON.stringify(path.join(root, 'bin', 'run.js'))} completion bash)`,
    `COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}`,
    '_skiff_complete; printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const { stdout } = await promisify(execFile)('bash', ['-c', script]);
  return stdout.split('\n').filter((l) => l !== '');
}

describe.skipIf(!cliBuilt())('skiff completion bash', () => {
  it("completes verbs, a topic's subcommands and a verb's flags from the command table", async () => {
    expect(await complete(['skiff', 'rol'])).toEqual(['rollout']);
    expect(await complete(['skiff', 'rollout', 'u'])).toEqual(['undo']);
    expect(await complete(['skiff', 'get', 'pods', '--all'])).toEqual(['--all-namespaces']);
    expect(await complete(['skiff', 'rollout', 'undo', 'deploy/web', '--to'])).toEqual(['--to-revision']);
  }, 30_000);
});
