package commands

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/layers"
	"github.com/lwa-go/lwa/packager/build"
	"github.com/lwa-go/lwa/packager/envvars"
	"github.com/lwa-go/lwa/packager/local"
	"github.com/lwa-go/lwa/packager/samtemplate"
	"github.com/lwa-go/lwa/packager/usage"
)

func (a *app) localCommand() *cli.Command {
	return &cli.Command{
		Name:      "local",
		Usage:     "run the function here: the app, the adapter and a Lambda front door, without Docker",
		ArgsUsage: "[-- COMMAND THAT STARTS THE APP...]",
		Description: "Serves http://127.0.0.1:3000 as the chosen trigger (API Gateway HTTP API by default):\n" +
			"each request becomes that trigger's event, goes through the adapter to the app, and the\n" +
			"answer comes back as the trigger returns it. See docs/local.md.",
		Flags: append(localFlags(),
			&cli.StringFlag{Name: "host", Value: "127.0.0.1", Usage: "address the front door listens on", EnvVars: []string{"LWA_PACK_HOST", "LWA_LOCAL_HOST"}},
			&cli.IntFlag{Name: "port", Value: local.DefaultPort, Usage: "port the front door listens on", EnvVars: []string{"LWA_PACK_PORT", "LWA_LOCAL_PORT"}},
			&cli.StringFlag{Name: "trigger", Value: string(local.HTTPAPI), Usage: "the service whose events to send: " + local.TriggerNames(), EnvVars: []string{"LWA_PACK_TRIGGER"}},
			&cli.StringFlag{Name: "stage", Usage: "REST API stage name in the request context (--trigger rest-api; default local)", EnvVars: []string{"LWA_PACK_STAGE"}},
		),
		Action: a.local,
		Subcommands: []*cli.Command{{
			Name:      "invoke",
			Usage:     "send one raw event (SQS, S3, EventBridge...) and print the raw result",
			ArgsUsage: "[-- COMMAND THAT STARTS THE APP...]",
			Flags: append(localFlags(),
				&cli.StringFlag{Name: "event", Aliases: []string{"e"}, Value: "-", Usage: "file holding the event JSON, or - for standard input", EnvVars: []string{"LWA_PACK_EVENT"}},
			),
			Action: a.localInvoke,
		}},
	}
}

// localFlags are the function's flags, shared by local and local invoke.
func localFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "adapter-binary", Usage: "a prebuilt adapter for this machine (default: build it, as lwa-pack layer does)", EnvVars: []string{"LWA_PACK_ADAPTER_BINARY", "LWA_LOCAL_ADAPTER"}},
		&cli.StringFlag{Name: "source", Usage: "compile the adapter from this checkout of github.com/lwa-go/lwa (default: as lwa-pack layer)", EnvVars: []string{"LWA_PACK_SOURCE"}},
		&cli.StringFlag{Name: "handler", Usage: "zip layout: the start script in --task-root, run as AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap runs it", EnvVars: []string{"LWA_PACK_HANDLER"}},
		&cli.StringFlag{Name: "task-root", Usage: "LAMBDA_TASK_ROOT and the processes' working directory (default: the current directory)", EnvVars: []string{"LWA_PACK_TASK_ROOT"}},
		&cli.StringSliceFlag{Name: "env", Usage: "a function variable, KEY=VALUE (repeatable; wins over --env-file and --template)", EnvVars: []string{"LWA_PACK_ENV"}},
		&cli.StringFlag{Name: "env-file", Usage: "file of KEY=VALUE lines for the function (wins over --template)", EnvVars: []string{"LWA_PACK_ENV_FILE"}},
		&cli.StringFlag{Name: "template", Aliases: []string{"t"}, Usage: "AWS SAM template to read the function from (variables, timeout, memory, handler, invoke mode)", EnvVars: []string{"LWA_PACK_TEMPLATE"}},
		&cli.StringFlag{Name: "function", Usage: "the function's logical id in --template (needed when it has several)", EnvVars: []string{"LWA_PACK_FUNCTION"}},
		&cli.DurationFlag{Name: "timeout", Usage: "function timeout (default 3s, or the template's Timeout)", EnvVars: []string{"LWA_PACK_TIMEOUT"}},
		&cli.IntFlag{Name: "memory", Usage: "memory size in MB for AWS_LAMBDA_FUNCTION_MEMORY_SIZE and REPORT (default 128, or the template's)", EnvVars: []string{"LWA_PACK_MEMORY"}},
		&cli.StringFlag{Name: "function-name", Usage: "AWS_LAMBDA_FUNCTION_NAME (default: the template's logical id, else function)", EnvVars: []string{"LWA_PACK_FUNCTION_NAME"}},
		&cli.StringFlag{Name: "region", Value: "us-east-1", Usage: "AWS_REGION of the function (its twin is LWA_PACK_LOCAL_REGION: LWA_PACK_REGION is where lwa-pack publish publishes)", EnvVars: []string{"LWA_PACK_LOCAL_REGION", "AWS_REGION"}},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only the processes' output, no lwa-pack progress lines", EnvVars: []string{"LWA_PACK_QUIET"}},
	}
}

func (a *app) local(c *cli.Context) error {
	trigger, err := local.ParseTrigger(c.String("trigger")) // before a build that may take seconds
	if err != nil {
		return err
	}
	o, cleanup, err := a.localOptions(c)
	if err != nil {
		return err
	}
	defer cleanup()
	o.Trigger = trigger
	o.Host, o.Port, o.Stage = c.String("host"), c.Int("port"), c.String("stage")
	if o.Port < 0 || o.Port > 65535 {
		return fmt.Errorf("%s: want 0 to 65535", usage.FlagPlain(c, "port", strconv.Itoa(o.Port)))
	}
	return local.Run(c.Context, o)
}

func (a *app) localInvoke(c *cli.Context) error {
	event, err := readEvent(c.String("event"), c.App.Reader) // before a build that may take seconds
	if err != nil {
		return err
	}
	o, cleanup, err := a.localOptions(c)
	if err != nil {
		return err
	}
	defer cleanup()
	err = local.Invoke(c.Context, o, event, a.Stdout)
	fmt.Fprintln(a.Stdout)
	var fe *local.FunctionError
	if errors.As(err, &fe) {
		return cli.Exit("lwa-pack: "+fe.Error(), 1)
	}
	return err
}

func readEvent(path string, stdin io.Reader) ([]byte, error) {
	var b []byte
	var err error
	if path == "-" {
		if stdin == nil {
			stdin = os.Stdin
		}
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("--event %s: %w", path, err)
	}
	return b, nil
}

// localOptions turns the function's flags into local.Options, building the adapter when no
// binary is given. cleanup removes the built binary.
func (a *app) localOptions(c *cli.Context) (local.Options, func(), error) {
	noop := func() {}
	o := local.Options{
		Command: c.Args().Slice(), Handler: c.String("handler"), TaskRoot: c.String("task-root"),
		Bootstrap: layers.Bootstrap(), Environ: a.Environ, Timeout: c.Duration("timeout"), MemoryMB: c.Int("memory"),
		FunctionName: c.String("function-name"), Region: c.String("region"), Output: a.Stderr,
	}
	level := slog.LevelInfo
	if c.Bool("quiet") {
		level = slog.LevelWarn
	}
	o.Log = slog.New(slog.NewTextHandler(a.Stderr, &slog.HandlerOptions{Level: level, ReplaceAttr: dropTime}))
	if err := a.functionConfig(c, &o); err != nil {
		return o, noop, err
	}
	if o.TaskRoot == "" {
		o.TaskRoot = a.WorkDir
	}
	if o.Adapter = c.String("adapter-binary"); o.Adapter != "" {
		if st, err := os.Stat(o.Adapter); err != nil || st.IsDir() {
			return o, noop, fmt.Errorf("%s: not a file", usage.FlagPlain(c, "adapter-binary", o.Adapter))
		}
		return o, noop, nil
	}
	src, err := build.ResolveSource(c.String("source"), a.WorkDir, a.ModuleVersion)
	if err != nil {
		return o, noop, err
	}
	tmp, err := os.MkdirTemp("", "lwa-local-*")
	if err != nil {
		return o, noop, fmt.Errorf("build the adapter: %w", err)
	}
	cleanup := func() { os.RemoveAll(tmp) }
	start := time.Now()
	o.Adapter, err = build.Host(c.Context, build.Request{Source: src, Version: a.Version, OutDir: tmp, Env: a.Environ,
		Progress: a.progress(c.Bool("quiet"))})
	if err != nil {
		cleanup()
		return o, noop, err
	}
	a.progress(c.Bool("quiet"))("adapter built in %.1fs", time.Since(start).Seconds())
	return o, cleanup, nil
}

// functionConfig fills in the function's variables and settings: the template first, then
// --env-file, then --env; explicit flags win over the template.
func (a *app) functionConfig(c *cli.Context, o *local.Options) error {
	var fromTemplate map[string]string
	if path := c.String("template"); path != "" {
		tpl, err := samtemplate.Load(path)
		if err != nil {
			return fmt.Errorf("%s: %w", usage.FlagPlain(c, "template", path), err)
		}
		fn, err := tpl.Function(c.String("function"))
		if err != nil {
			return fmt.Errorf("%s: %w", usage.FlagRef(c, "template"), err)
		}
		var warnings []string
		if fromTemplate, warnings, err = local.ApplyTemplate(o, fn, filepath.Dir(path)); err != nil {
			return fmt.Errorf("%s: %w", usage.FlagPlain(c, "template", path), err)
		}
		for _, w := range warnings {
			o.Log.Warn(w)
		}
	} else if c.IsSet("function") {
		return fmt.Errorf("%s: needs --template", usage.FlagPlain(c, "function", c.String("function")))
	}
	fromFile, fromFlags, err := functionEnv(c, c.StringSlice("env"))
	if err != nil {
		return err
	}
	merged := envvars.Merge(fromTemplate, fromFile, fromFlags)
	for _, k := range slices.Sorted(maps.Keys(merged)) {
		o.Env = append(o.Env, k+"="+merged[k])
	}
	return nil
}

func dropTime(groups []string, at slog.Attr) slog.Attr {
	if len(groups) == 0 && at.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return at
}
