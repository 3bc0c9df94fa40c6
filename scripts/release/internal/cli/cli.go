// Package cli is what the release's commands (scripts/release/hook and supplychain) share: the
// process's environment as a value tests can replace, dispatch to a subcommand, and flag sets
// that report a mistake instead of exiting.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Env is what the process gives a command: its environment variables and output streams.
type Env struct {
	Name           string // the command's name, the prefix of its log lines ("release hook")
	Lookup         func(string) (string, bool)
	Stdout, Stderr io.Writer
}

// Logf writes one line to Stderr behind the command's name.
func (e Env) Logf(format string, args ...any) {
	fmt.Fprintf(e.Stderr, e.Name+": "+format+"\n", args...)
}

// Get is the variable's value, "" when it is unset.
func (e Env) Get(key string) string {
	v, _ := e.Lookup(key)
	return v
}

// Commands maps each subcommand's name to what runs it, with the arguments after the name.
type Commands map[string]func(ctx context.Context, args []string, env Env) error

// Main runs the subcommand os.Args names with the process's environment, until it returns or an
// interrupt or SIGTERM cancels it, and exits 1 with the error on stderr if it failed.
func Main(name, usage string, cmds Commands) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := Env{Name: name, Lookup: os.LookupEnv, Stdout: os.Stdout, Stderr: os.Stderr}
	err := Run(ctx, os.Args[1:], env, usage, cmds)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// Run calls the subcommand args[0] names. help prints usage to Stdout; no subcommand or an
// unknown one prints it to Stderr and is an error.
func Run(ctx context.Context, args []string, env Env, usage string, cmds Commands) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return errors.New("no command")
	}
	name, args := args[0], args[1:]
	if run, ok := cmds[name]; ok {
		return run(ctx, args, env)
	}
	switch name {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	}
	fmt.Fprint(env.Stderr, usage)
	return fmt.Errorf("unknown command %q", name)
}

// NewFlagSet returns a flag set that reports errors on stderr instead of exiting.
func NewFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// Required fails if any of the named flags is empty, or if arguments are left over.
func Required(fs *flag.FlagSet, names ...string) error {
	for _, n := range names {
		if f := fs.Lookup(n); f == nil || f.Value.String() == "" {
			return fmt.Errorf("%s: --%s is required", fs.Name(), n)
		}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}
