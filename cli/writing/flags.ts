/** The flags the writing verbs share, with kubectl's spellings and short flags. */
import { Flags } from '@oclif/core';

/** `-f/--filename` (repeatable): a file, a directory, or `-` for stdin. */
export const filenameFlag = Flags.string({
  char: 'f',
  description: 'File, directory or - (stdin) holding the manifests (YAML or JSON); repeatable',
  multiple: true,
});
/** `-R/--recursive`. */
export const recursiveFlag = Flags.boolean({
  char: 'R',
  description: 'Process the directory used in -f recursively',
});
/** `--dry-run=none|client|server`. */
export const dryRunFlag = Flags.string({
  description:
    'client: only print what would be sent; server: the server validates and does not store (none, client, server)',
});
/** `-o name|yaml|json` of the writing verbs. */
export const writeOutputFlag = Flags.string({
  char: 'o',
  description: 'Output format: name|yaml|json (default: a line per object)',
  options: ['name', 'yaml', 'json'],
});
