package usage

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// FlagRef names where the value of c's flag name came from, for error messages: "--platform" when
// it was given on the command line (or is the default), else the environment variable with its
// value, e.g. "LWA_PACK_PLATFORM=linux/386", so that a bad value set in CI is found where it is.
//
// urfave/cli does not record the source, so a value is taken to come from the environment when one
// of the flag's variables is set and the value in use is that variable's (a command line repeating
// the same value is then reported as the variable: the value is the same either way).
func FlagRef(c *cli.Context, name string) string {
	f := findFlag(c.Command.Flags, name)
	if f == nil || !f.IsSet() {
		return dashed(name)
	}
	env, ok := f.(interface{ GetEnvVars() []string })
	if !ok {
		return dashed(name)
	}
	for _, v := range env.GetEnvVars() {
		val, set := os.LookupEnv(v)
		if !set || strings.TrimSpace(val) == "" {
			continue
		}
		if fromVariable(c, f, name, val) {
			return v + "=" + val
		}
	}
	return dashed(name)
}

// fromVariable reports whether the flag's value in use is val, the variable's, read as urfave/cli
// reads it.
func fromVariable(c *cli.Context, f cli.Flag, name, val string) bool {
	switch f.(type) {
	case *cli.StringSliceFlag:
		parts := strings.Split(val, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return slices.Equal(c.StringSlice(name), parts)
	case *cli.BoolFlag:
		b, err := strconv.ParseBool(strings.TrimSpace(val))
		return err == nil && b == c.Bool(name)
	}
	return fmt.Sprint(c.Value(name)) == strings.TrimSpace(val)
}

// FlagValue names a flag and the value an error is about: `--binary "x=y"` when it was given on
// the command line, `LWA_PACK_BINARY=x=y` when it came from a variable holding exactly that value,
// `LWA_PACK_BINARY=x=y,z=w: "x=y"` when the variable held a list.
func FlagValue(c *cli.Context, name, value string) string {
	ref := FlagRef(c, name)
	if strings.HasPrefix(ref, "-") {
		return fmt.Sprintf("%s %q", ref, value)
	}
	if _, v, _ := strings.Cut(ref, "="); v == value {
		return ref
	}
	return fmt.Sprintf("%s: %q", ref, value)
}

// FlagPlain is FlagValue without quotes, for values that are paths or numbers: `--port 70000`
// from the command line, `LWA_PACK_PORT=70000` from a variable.
func FlagPlain(c *cli.Context, name, value string) string {
	ref := FlagRef(c, name)
	if strings.HasPrefix(ref, "-") {
		return ref + " " + value
	}
	return ref
}
