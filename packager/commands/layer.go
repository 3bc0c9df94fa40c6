package commands

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/layers"
	"github.com/lwa-go/lwa/packager/build"
	"github.com/lwa-go/lwa/packager/layerzip"
	"github.com/lwa-go/lwa/packager/output"
	"github.com/lwa-go/lwa/packager/platform"
)

func (a *app) layerCommand() *cli.Command {
	return &cli.Command{
		Name:  "layer",
		Usage: "build the adapter and write one Lambda layer zip per architecture",
		Description: "Writes lambda-adapter-layer-VERSION-ARCH.zip (ARCH: x86_64, arm64) holding\n" +
			"extensions/lambda-adapter and bootstrap, plus SHA256SUMS, and template.yaml (an AWS SAM\n" +
			"template that publishes the zips) when both architectures are built.",
		Flags: append(commonFlags(),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "dist", Usage: "directory for the zips", EnvVars: []string{"LWA_PACK_OUTPUT"}},
		),
		Action: a.layer,
	}
}

// layerResult is one zip, as printed.
type layerResult struct {
	Platform     string `json:"platform"`
	Architecture string `json:"architecture"`
	Path         string `json:"path"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
}

type layerReport struct {
	Version     string        `json:"version"`
	Layers      []layerResult `json:"layers"`
	Checksums   string        `json:"checksums"`
	SAMTemplate string        `json:"samTemplate,omitempty"`
}

func (a *app) layer(c *cli.Context) error {
	cm, err := a.parseCommon(c)
	if err != nil {
		return err
	}
	outDir := c.String("output")
	if err := output.EnsureDir(outDir); err != nil {
		return fmt.Errorf("--output %s: %w", outDir, err)
	}
	paths := map[platform.Platform]string{}
	for _, p := range cm.platforms {
		path, err := output.Join(outDir, layerZipName(cm.version, p))
		if err != nil {
			return fmt.Errorf("--output %s: %w", outDir, err)
		}
		paths[p] = path
	}

	arts, cleanup, err := a.build(c.Context, cm, cm.platforms)
	if err != nil {
		return err
	}
	defer cleanup()

	zips, err := zipAll(arts, cm)
	if err != nil {
		return err
	}
	progress := a.progress(cm.quiet)
	report := layerReport{Version: cm.version}
	sums := map[string]string{}
	for i, art := range arts {
		path := paths[art.Platform]
		data := zips[i]
		if err := output.WriteFile(path, 0o644, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return err
		}
		sum := output.SHA256(data)
		sums[layerZipName(cm.version, art.Platform)] = sum
		report.Layers = append(report.Layers, layerResult{
			Platform: art.Platform.String(), Architecture: art.Platform.LambdaArch(),
			Path: path, Size: int64(len(data)), SHA256: sum,
		})
		progress("wrote %s", path)
	}
	if report.Checksums, err = output.UpdateChecksums(outDir, sums); err != nil {
		return err
	}
	if len(cm.platforms) == len(platform.All()) {
		tpl, _ := output.Join(outDir, "template.yaml")
		if err := output.WriteFile(tpl, 0o644, func(w io.Writer) error {
			_, err := w.Write(layers.SAMTemplate(cm.version))
			return err
		}); err != nil {
			return err
		}
		report.SAMTemplate = tpl
	}
	return a.printLayers(cm, report)
}

// layerZipName uses Lambda's architecture names, which is what `aws lambda publish-layer-version
// --compatible-architectures` takes.
func layerZipName(version string, p platform.Platform) string {
	return fmt.Sprintf("lambda-adapter-layer-%s-%s.zip", version, p.LambdaArch())
}

// zipAll makes each platform's layer zip in memory, concurrently (compressing a
// multi-megabyte binary is the slow step after compiling).
func zipAll(arts []build.Artifact, cm common) ([][]byte, error) {
	out := make([][]byte, len(arts))
	errs := make([]error, len(arts))
	boot := layers.Bootstrap()
	var wg sync.WaitGroup
	for i, art := range arts {
		wg.Go(func() {
			bin, err := os.ReadFile(art.Path)
			if err != nil {
				errs[i] = fmt.Errorf("layer %s: %w", art.Platform, err)
				return
			}
			var buf bytes.Buffer
			if err := layerzip.Write(&buf, layerzip.Layer(bin, boot), cm.created); err != nil {
				errs[i] = fmt.Errorf("layer %s: %w", art.Platform, err)
				return
			}
			out[i] = buf.Bytes()
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (a *app) printLayers(cm common, r layerReport) error {
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
