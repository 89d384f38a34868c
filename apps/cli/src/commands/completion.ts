// Shell completion, as kubectl and cobra do it: the shell's script hands the words typed so far
// to a hidden `agentpod __complete`, which answers from the same command tree that parses them,
// so completion can never drift from the commands. The words follow a `--`, so that one the user
// typed (`--` on its way to `--wait`) reaches the completer instead of ending its options.
import { Argument, Command, type Option } from 'commander';
import { examples } from '../output.js';

const SCRIPTS = {
  bash: `# agentpod completion for bash: source <(agentpod completion bash)
_agentpod() {
  local IFS=$'\\n'
  COMPREPLY=($(agentpod __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _agentpod agentpod
`,
  zsh: `#compdef agentpod
# agentpod completion for zsh: source <(agentpod completion zsh), after compinit
_agentpod() {
  local -a candidates
  candidates=("\${(@f)$(agentpod __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _agentpod agentpod
`,
} as const;

export function completionCommands(program: Command): Command[] {
  return [
    new Command('completion')
      .description('print the shell completion script for bash or zsh')
      .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(SCRIPTS)))
      .addHelpText(
        'after',
        examples(
          'source <(agentpod completion bash)        # in ~/.bashrc',
          'source <(agentpod completion zsh)         # in ~/.zshrc, after compinit',
        ),
      )
      .action((shell: keyof typeof SCRIPTS) => {
        process.stdout.write(SCRIPTS[shell]);
      }),
    new Command('__complete')
      .description(
        'the candidates for the last of the given words (used by the completion scripts)',
      )
      .argument('[words...]')
      .allowUnknownOption()
      .helpOption(false)
      .action((words: string[]) => {
        for (const candidate of complete(program, words)) process.stdout.write(`${candidate}\n`);
      }),
  ];
}

/**
 * What may follow `words` (the last one is the word being typed, maybe empty): subcommands,
 * options of the command reached (the program's global ones too), or an option's choices.
 */
export function complete(program: Command, words: string[]): string[] {
  const typed = words.at(-1) ?? '';
  let command = program;
  let pending: Option | undefined;
  for (const word of words.slice(0, -1)) {
    if (pending) {
      pending = undefined;
      continue;
    }
    if (word.startsWith('-')) {
      const option = optionsOf(command, program).find((o) => o.long === word || o.short === word);
      if (option && (option.required || option.optional) && !word.includes('=')) pending = option;
      continue;
    }
    const sub = visible(command).find((c) => c.name() === word || c.aliases().includes(word));
    if (sub) command = sub;
  }
  let candidates: string[];
  if (pending) candidates = pending.argChoices ?? [];
  else if (typed.startsWith('-')) {
    candidates = optionsOf(command, program).flatMap((o) => (o.long ? [o.long] : []));
  } else candidates = visible(command).map((c) => c.name());
  return candidates.filter((c) => c.startsWith(typed)).sort();
}

function visible(command: Command): Command[] {
  return command.commands.filter((c) => !c.name().startsWith('__'));
}

function optionsOf(command: Command, program: Command): readonly Option[] {
  const options = [...command.options, { long: '--help', short: '-h' } as Option];
  return command === program ? options : [...options, ...program.options];
}
