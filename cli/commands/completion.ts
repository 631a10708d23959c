import { Args, Command } from '@oclif/core';

/**
 * `skiff completion bash|zsh`: a shell completion script, as `kubectl completion` prints one.
 * Built from the CLI's own command table (oclif's manifest), so a new verb or flag completes
 * without anyone editing a script.
 */
export default class Completion extends Command {
  static override description = 'Print a shell completion script (bash or zsh)';

  static override examples = [
    'source <(<%= config.bin %> completion bash)',
    '<%= config.bin %> completion zsh > "${fpath[1]}/_skiff"',
  ];

  static override args = {
    shell: Args.string({ description: 'Shell', options: ['bash', 'zsh'], required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    const bin = this.config.bin;
    // One case arm per command: its words (topics split on spaces) and its flags.
    const commands = this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({
        words: c.id.split(':').join(' '),
        flags: Object.entries(c.flags ?? {}).flatMap(([name, flag]) => [
          `--${name}`,
          ...(flag.char ? [`-${flag.char}`] : []),
        ]),
      }))
      .sort((a, b) => b.words.length - a.words.length); // the longest (most specific) match first
    const verbs = [...new Set(commands.map((c) => c.words.split(' ')[0]))].sort();
    const arms = commands.map((c) => `    "${c.words}"*) flags="${c.flags.join(' ')}" ;;`).join('\n');
    const topics = commands
      .filter((c) => c.words.includes(' '))
      .map((c) => c.words.split(' '))
      .reduce<Record<string, string[]>>((acc, [topic, sub]) => {
        acc[topic as string] = [...(acc[topic as string] ?? []), sub as string];
        return acc;
      }, {});
    const topicArms = Object.entries(topics)
      .map(([topic, subs]) => `    "${topic}") words="${subs.sort().join(' ')}" ;;`)
      .join('\n');
    const bash = `# ${bin} completion for bash: source <(${bin} completion bash)
_${bin}_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" line="\${COMP_WORDS[*]:1:COMP_CWORD-1}" flags="" words=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${verbs.join(' ')}" -- "$cur") ); return
  fi
  case "\${COMP_WORDS[1]}" in
${topicArms}
  esac
  if [ "$COMP_CWORD" -eq 2 ] && [ -n "$words" ]; then
    COMPREPLY=( $(compgen -W "$words" -- "$cur") ); return
  fi
  case "$line" in
${arms}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$flags" -- "$cur") ); fi
}
complete -F _${bin}_complete ${bin}
`;
    this.log(args.shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${bash}` : bash);
  }
}
