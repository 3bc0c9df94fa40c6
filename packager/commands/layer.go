package commands

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/packager/layer"
	"github.com/lwa-go/lwa/packager/output"
	"github.com/lwa-go/lwa/packager/publish"
	"github.com/lwa-go/lwa/packager/usage"
)

func (a *app) layerCommand() *cli.Command {
	return &cli.Command{
		Name:  "layer",
		Usage: "build the adapter and write one Lambda layer zip per architecture",
		Description: "Writes lambda-adapter-layer-VERSION-ARCH.zip (ARCH: x86_64, arm64) holding\n" +
			"extensions/lambda-adapter and bootstrap, its SPDX SBOM lambda-adapter-layer-VERSION-ARCH.spdx.json,\n" +
			"plus SHA256SUMS, and template.yaml (an AWS SAM\n" +
			"template that publishes the zips) when both architectures are built.",
		Flags: append(commonFlags(),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "dist", Usage: "directory for the zips", EnvVars: []string{"LWA_PACK_OUTPUT"}},
			sbomFlag(),
		),
		Action: a.layer,
	}
}

func (a *app) layer(c *cli.Context) (err error) {
	cm, err := a.parseCommon(c)
	if err != nil {
		return err
	}
	opts := layer.Options{Dir: c.String("output"), Version: cm.version, Created: cm.created, Progress: a.progress(cm.quiet), SBOM: c.Bool("sbom")}
	for _, prefix := range []string{publish.PrefixOCI, publish.PrefixTar} {
		if strings.HasPrefix(opts.Dir, prefix) {
			return fmt.Errorf("%s: lwa-pack layer writes zips into a directory; %s outputs are lwa-pack image's (lwa-pack image --output %s)", usage.FlagValue(c, "output", opts.Dir), strings.TrimSuffix(prefix, ":"), opts.Dir)
		}
	}
	// The directory is made now, to fail before compiling, and taken away again if the run fails.
	removeDir, err := output.PrepareDir(opts.Dir)
	if err != nil {
		return fmt.Errorf("%s: %w", usage.FlagValue(c, "output", opts.Dir), err)
	}
	defer func() {
		if err != nil {
			removeDir()
		}
	}()
	bins, cleanup, err := a.build(c.Context, cm, cm.platforms)
	if err != nil {
		return err
	}
	defer cleanup()
	report, err := layer.Write(c.Context, opts, bins)
	if err != nil {
		return err
	}
	return a.printLayers(cm, report)
}

func (a *app) printLayers(cm common, r layer.Report) error {
	if cm.json {
		return writeJSON(a.Stdout, r)
	}
	for _, l := range r.Layers {
		fmt.Fprintf(a.Stdout, "%s  %s  sha256:%s\n", l.Path, humanSize(l.Size), l.SHA256)
	}
	fmt.Fprintln(a.Stdout, r.Checksums)
	if r.SAMTemplate != "" {
		fmt.Fprintln(a.Stdout, r.SAMTemplate)
	}
	return nil
}
