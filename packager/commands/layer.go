package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/packager/layer"
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

func (a *app) layer(c *cli.Context) error {
	cm, err := a.parseCommon(c)
	if err != nil {
		return err
	}
	opts := layer.Options{Dir: c.String("output"), Version: cm.version, Created: cm.created, Progress: a.progress(cm.quiet), SBOM: c.Bool("sbom")}
	if err := layer.Check(opts, cm.platforms); err != nil {
		return fmt.Errorf("--output %s: %w", opts.Dir, err)
	}
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
