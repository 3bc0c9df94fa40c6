package usage

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// CompletionCommand returns `completion bash|zsh|fish`, which prints a script for the shell to
// load (`source <(lwa-pack completion bash)`), as ko's and crane's completion commands do. Bash and
// zsh ask lwa-pack itself for the words at each TAB (urfave/cli's --generate-bash-completion, so
// the app must have EnableBashCompletion); fish gets urfave/cli's static script.
func CompletionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh or fish",
		ArgsUsage: "SHELL",
		Description: "Load it in the current shell, or from your shell's startup file:\n" +
			"  bash: source <(lwa-pack completion bash)\n" +
			"  zsh:  source <(lwa-pack completion zsh)   (after compinit)\n" +
			"  fish: lwa-pack completion fish | source",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return &Error{Command: c.Command.HelpName, Msg: "completion takes one shell name: bash, zsh or fish"}
			}
			script, err := Script(c.App, c.Args().First())
			if err != nil {
				return &Error{Command: c.Command.HelpName, Msg: err.Error()}
			}
			_, err = fmt.Fprint(c.App.Writer, script)
			return err
		},
	}
}

// Script returns the completion script for shell.
func Script(app *cli.App, shell string) (string, error) {
	name := app.Name
	fn := "_" + strings.NewReplacer("-", "_", ".", "_").Replace(name) + "_complete"
	switch shell {
	case "bash":
		return strings.NewReplacer("@NAME@", name, "@FN@", fn).Replace(bashScript), nil
	case "zsh":
		return strings.NewReplacer("@NAME@", name, "@FN@", fn).Replace(zshScript), nil
	case "fish":
		return app.ToFishCompletion()
	}
	msg := fmt.Sprintf("unknown shell %q: use bash, zsh or fish", shell)
	if s := Closest([]string{"bash", "zsh", "fish"}, shell); s != "" {
		msg = fmt.Sprintf("unknown shell %q; did you mean %q? (bash, zsh or fish)", shell, s)
	}
	return "", fmt.Errorf("%s", msg)
}

// bashScript runs the words typed so far (the command as typed, without eval) with
// --generate-bash-completion, and falls back to file names (for --output, --binary...) when lwa-pack
// offers nothing.
const bashScript = `# bash completion for @NAME@: source <(@NAME@ completion bash)
@FN@() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local -a words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  if [[ $cur == -* ]]; then
    words+=("$cur")
  fi
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$("${words[@]}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
}
complete -o bashdefault -o default -F @FN@ @NAME@
`

const zshScript = `#compdef @NAME@
# zsh completion for @NAME@: source <(@NAME@ completion zsh), after compinit
@FN@() {
  local -a opts
  local cur=${words[-1]}
  if [[ $cur == -* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} $cur --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ -n ${opts[1]} ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef @FN@ @NAME@
`
