package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/packager/doctor"
	"github.com/lwa-go/lwa/packager/envvars"
	"github.com/lwa-go/lwa/packager/registry"
	"github.com/lwa-go/lwa/packager/samtemplate"
	"github.com/lwa-go/lwa/packager/usage"
)

// ErrDoctorFindings is returned when doctor found errors (or, with --strict, warnings): the
// process exits 1 after the report.
var ErrDoctorFindings = errors.New("doctor found problems")

func (a *app) doctorCommand() *cli.Command {
	return &cli.Command{
		Name:      "doctor",
		Usage:     "check a function zip, layer zip, directory or image for the mistakes that break the adapter on Lambda",
		ArgsUsage: "TARGET",
		Description: "TARGET is a function or layer zip, a directory (an unpacked function, or one holding var/task and\n" +
			"opt), an OCI layout, a docker tarball, or an image reference in a registry. Prints a checklist; each\n" +
			"finding has an id explained in docs/doctor.md. Exits 1 on an error (with --strict, on a warning too).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "arch", Usage: "the function's architecture: x86_64 or arm64 (default: the template's, else the image's)", EnvVars: []string{"LWA_PACK_ARCH"}},
			// Generic rather than StringSlice: a value may hold commas (AWS_LWA_ERROR_STATUS_CODES=500,502).
			&cli.GenericFlag{Name: "env", Value: &pairList{}, Usage: "a function environment variable, NAME=VALUE (repeatable; wins over --env-file and the template; the variable holds one)", EnvVars: []string{"LWA_PACK_ENV"}},
			&cli.StringFlag{Name: "env-file", Usage: "a dotenv file of the function's environment (NAME=VALUE lines, # comments, quotes, export)", EnvVars: []string{"LWA_PACK_ENV_FILE"}},
			&cli.StringFlag{Name: "template", Usage: "a SAM or CloudFormation template: the function's handler, runtime, architecture and environment", EnvVars: []string{"LWA_PACK_TEMPLATE"}},
			&cli.StringFlag{Name: "function", Usage: "the function's logical id in --template (default: its only function)", EnvVars: []string{"LWA_PACK_FUNCTION"}},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON (schema in docs/doctor.md)", EnvVars: []string{"LWA_PACK_JSON"}},
			&cli.BoolFlag{Name: "strict", Usage: "exit 1 on warnings too", EnvVars: []string{"LWA_PACK_STRICT"}},
			&cli.BoolFlag{Name: "insecure", Usage: "allow plain HTTP and unverified TLS to the registry (registries on localhost use plain HTTP without it)", EnvVars: []string{"LWA_PACK_INSECURE"}},
		},
		Action: a.doctor,
	}
}

func (a *app) doctor(c *cli.Context) error {
	o, err := a.parseDoctor(c)
	if err != nil {
		return err
	}
	rep, err := doctor.Run(c.Context, o)
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	if c.Bool("json") {
		err = rep.WriteJSON(a.Stdout)
	} else {
		err = rep.WriteText(a.Stdout)
	}
	if err != nil {
		return fmt.Errorf("doctor: write report: %w", err)
	}
	if rep.Failed(c.Bool("strict")) {
		return fmt.Errorf("%w: %d error(s), %d warning(s)", ErrDoctorFindings, rep.Errors, rep.Warnings)
	}
	return nil
}

func (a *app) parseDoctor(c *cli.Context) (doctor.Options, error) {
	if args := c.Args().Slice(); len(args) > 1 && strings.HasPrefix(args[1], "-") {
		// urfave/cli stops reading flags at the first argument.
		return doctor.Options{}, fmt.Errorf("flags go before TARGET: lwa-pack doctor [flags] TARGET (%s came after %s)", args[1], args[0])
	}
	if c.NArg() != 1 {
		return doctor.Options{}, fmt.Errorf("doctor takes one TARGET (a zip, a directory, an OCI layout, a docker tarball or an image reference), got %d arguments", c.NArg())
	}
	o := doctor.Options{
		Target:   c.Args().First(),
		Arch:     c.String("arch"),
		Registry: registry.New(registry.Options{Insecure: c.Bool("insecure"), UserAgent: "lwa-pack/" + a.Version, Transport: a.Transport}),
	}
	switch o.Arch {
	case "", "x86_64", "arm64":
	case "amd64":
		o.Arch = "x86_64"
	default:
		return o, fmt.Errorf("%s: want x86_64 or arm64 (Lambda's names)", usage.FlagValue(c, "arch", o.Arch))
	}
	if f := c.String("template"); f != "" {
		tpl, err := samtemplate.Load(f)
		if err != nil {
			return o, fmt.Errorf("%s: %w", usage.FlagRef(c, "template"), err)
		}
		fn, err := tpl.Function(c.String("function"))
		if err != nil {
			return o, fmt.Errorf("%s: %w", usage.FlagRef(c, "template"), err)
		}
		o.Function = &fn
	} else if c.String("function") != "" {
		return o, fmt.Errorf("%s needs --template", usage.FlagRef(c, "function"))
	}
	fileEnv, flagEnv, err := functionEnv(c, c.Generic("env").(*pairList).items)
	if err != nil {
		return o, err
	}
	if fileEnv != nil || flagEnv != nil {
		o.Env = envvars.Merge(fileEnv, flagEnv)
	}
	return o, nil
}

// functionEnv reads the function's own variables as doctor and local take them: --env-file's
// file, then the --env pairs (which win when merged). Each is nil when its flag is unset.
func functionEnv(c *cli.Context, pairs []string) (fromFile, fromFlags map[string]string, err error) {
	if path := c.String("env-file"); path != "" {
		if fromFile, err = envvars.ReadFile(path); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", usage.FlagRef(c, "env-file"), err)
		}
	}
	if len(pairs) > 0 {
		if fromFlags, err = envvars.ParsePairs(pairs); err != nil {
			return nil, nil, err
		}
	}
	return fromFile, fromFlags, nil
}

// pairList collects repeated --env values as given, commas included.
type pairList struct{ items []string }

func (p *pairList) Set(v string) error { p.items = append(p.items, v); return nil }
func (p *pairList) String() string     { return strings.Join(p.items, " ") }
