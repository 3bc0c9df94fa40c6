// Package usage is how lwa-pack's command line meets mistakes and questions, as ko's and crane's
// users expect: a short usage error on stderr naming the closest command or flag ("did you mean"),
// `help <command>`, shell completion scripts, and naming the environment variable a bad value came
// from. Package commands defines the commands and flags; this package only reacts to them.
package usage

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// Error is a command-line mistake (an unknown command or flag, a flag without its value). main
// prints it on stderr and exits 2, without the help text.
type Error struct {
	// Command is the command the mistake was made in, e.g. "lwa-pack layer".
	Command string
	Msg     string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s\nRun '%s' for usage.", e.Msg, helpFor(e.Command))
}

// helpFor turns "lwa-pack layer" into "lwa-pack help layer", and "lwa-pack" into "lwa-pack --help".
func helpFor(command string) string {
	app, sub, ok := strings.Cut(command, " ")
	if !ok {
		return app + " --help"
	}
	return app + " help " + sub
}

// IsUsage reports whether err is a command-line mistake.
func IsUsage(err error) bool {
	var ue *Error
	return errors.As(err, &ue)
}

// Install makes app answer mistakes with *Error: every command's flag errors, unknown commands,
// `help` with an unknown topic. It replaces urfave/cli's help command (which answers an unknown
// topic with exit status 3 and no suggestion) and keeps --help.
func Install(app *cli.App) {
	app.OnUsageError = OnUsageError
	for _, c := range app.Commands {
		installCommand(c)
	}
	app.Commands = append(app.Commands, helpCommand())
	app.Flags = append(app.Flags, cli.HelpFlag)
	app.HideHelpCommand = true
}

func installCommand(c *cli.Command) {
	c.OnUsageError = OnUsageError
	if len(c.Subcommands) > 0 && c.CustomHelpTemplate == "" {
		c.CustomHelpTemplate = subcommandHelpTemplate
	}
	for _, s := range c.Subcommands {
		installCommand(s)
	}
}

// OnUsageError rewrites the flag package's messages ("flag provided but not defined: -plaform")
// in lwa-pack's words, with two dashes as users type them, and the closest flag.
func OnUsageError(c *cli.Context, err error, _ bool) error {
	command := c.App.Name
	var flags []cli.Flag
	if c.Command != nil && c.Command.Name != "" {
		command = c.Command.HelpName
		flags = c.Command.Flags
	} else {
		flags = c.App.Flags
	}
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "flag provided but not defined: "):
		name := strings.TrimLeft(strings.TrimPrefix(msg, "flag provided but not defined: "), "-")
		msg = fmt.Sprintf("unknown flag %s for %q", dashed(name), command)
		if s := Closest(flagNames(flags), name); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", dashed(s))
		}
	case strings.HasPrefix(msg, "flag needs an argument: "):
		name := strings.TrimLeft(strings.TrimPrefix(msg, "flag needs an argument: "), "-")
		msg = fmt.Sprintf("%s needs a value", dashed(name))
		if f := findFlag(flags, name); f != nil {
			if u := usageOf(f); u != "" {
				msg += ": " + u
			}
		}
		if name == "version" && c.Command != nil && c.Command.Name != "" {
			msg += fmt.Sprintf("; %s's own version is printed by `%s version`", c.App.Name, c.App.Name)
		}
	default:
		// "invalid value "x" for flag -n: ..." and "invalid boolean value ... for -push": the flag
		// with two dashes.
		msg = strings.Replace(strings.Replace(msg, "for flag -", "for --", 1), "for -", "for --", 1)
	}
	return &Error{Command: command, Msg: msg}
}

// UnknownCommand is the root action's answer to `lwa-pack NAME` when NAME is no command.
func UnknownCommand(c *cli.Context, name string) error {
	msg := fmt.Sprintf("unknown command %q", name)
	if s := Closest(commandNames(c.App.Commands), name); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return &Error{Command: c.App.Name, Msg: msg}
}

func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Aliases:   []string{"h"},
		Usage:     "show the commands, or one command's flags (help COMMAND [SUBCOMMAND])",
		ArgsUsage: "[COMMAND [SUBCOMMAND]]",
		// Without its own help subcommand, cli.ShowCommandHelp looks the topic up among the app's
		// commands.
		HideHelpCommand: true,
		// `lwa-pack help <TAB>` offers the commands.
		BashComplete: func(c *cli.Context) {
			for _, name := range commandNames(c.App.Commands) {
				fmt.Fprintln(c.App.Writer, name)
			}
		},
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) == 0 {
				return cli.ShowAppHelp(c)
			}
			if args[0] == "help" || c.App.Command(args[0]) == nil {
				return UnknownCommand(c, args[0])
			}
			if len(args) == 1 {
				return cli.ShowCommandHelp(c, args[0])
			}
			return showSubcommandHelp(c, args)
		},
	}
}

// showSubcommandHelp prints the help of a nested command (help local invoke).
func showSubcommandHelp(c *cli.Context, path []string) error {
	cmd := c.App.Command(path[0])
	helpName := c.App.Name + " " + cmd.Name
	for _, name := range path[1:] {
		sub := cmd.Command(name)
		if sub == nil {
			msg := fmt.Sprintf("%q has no subcommand %q", helpName, name)
			if s := Closest(commandNames(cmd.Subcommands), name); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			return &Error{Command: c.App.Name + " " + path[0], Msg: msg}
		}
		cmd, helpName = sub, helpName+" "+sub.Name
	}
	if cmd.HelpName == "" {
		cmd.HelpName = helpName
	}
	tpl := cli.CommandHelpTemplate
	if len(cmd.Subcommands) > 0 {
		tpl = subcommandHelpTemplate
	}
	cli.HelpPrinter(c.App.Writer, tpl, cmd)
	return nil
}

// subcommandHelpTemplate is urfave/cli's SubcommandHelpTemplate without its command and flag
// categories: those are set up only when the command runs, so `help local` (a command with
// subcommands) printed its name and description and stopped there, without the subcommands or
// the flags.
const subcommandHelpTemplate = `NAME:
   {{template "helpNameTemplate" .}}

USAGE:
   {{template "usageTemplate" .}}{{if .Description}}

DESCRIPTION:
   {{template "descriptionTemplate" .}}{{end}}{{if .VisibleCommands}}

COMMANDS:{{template "visibleCommandTemplate" .}}{{end}}{{if .VisibleFlags}}

OPTIONS:{{template "visibleFlagTemplate" .}}{{end}}
`

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func flagNames(flags []cli.Flag) []string {
	var out []string
	for _, f := range flags {
		out = append(out, f.Names()...)
	}
	return append(out, "help")
}

func commandNames(cmds []*cli.Command) []string {
	var out []string
	for _, c := range cmds {
		if !c.Hidden {
			out = append(out, c.Names()...)
		}
	}
	return out
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func usageOf(f cli.Flag) string {
	if d, ok := f.(cli.DocGenerationFlag); ok {
		return d.GetUsage()
	}
	return ""
}
