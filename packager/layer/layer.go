// Package layer assembles the adapter's Lambda layer release files in a directory: one
// deterministic zip per architecture (extensions/lambda-adapter and the bootstrap wrapper), the
// SHA256SUMS file listing them, and, when every architecture is built, template.yaml, the AWS
// SAM template that publishes them. Package layerzip writes each zip's bytes.
package layer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lwa-go/lwa/layers"
	"github.com/lwa-go/lwa/packager/build"
	"github.com/lwa-go/lwa/packager/layerzip"
	"github.com/lwa-go/lwa/packager/output"
	"github.com/lwa-go/lwa/packager/platform"
	"github.com/lwa-go/lwa/packager/sbom"
)

// Options say where the layer files go and how they are stamped.
type Options struct {
	// Dir receives the zips, SHA256SUMS and template.yaml.
	Dir string
	// Version names the zips and the SAM template's layers.
	Version string
	// Created stamps every zip entry.
	Created time.Time
	// Progress, if set, receives one line per file written.
	Progress func(format string, args ...any)
	// SBOM writes an SPDX 2.3 SBOM of each adapter binary beside its zip (SBOMName), listed in
	// SHA256SUMS too.
	SBOM bool
}

// Zip is one layer zip written, as lwa-pack layer reports it.
type Zip struct {
	Platform     string `json:"platform"`
	Architecture string `json:"architecture"`
	Path         string `json:"path"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
	// SBOM is the path of the zip's SBOM, when one was written.
	SBOM string `json:"sbom,omitempty"`
}

// Report is what Write wrote.
type Report struct {
	Version     string `json:"version"`
	Layers      []Zip  `json:"layers"`
	Checksums   string `json:"checksums"`
	SAMTemplate string `json:"samTemplate,omitempty"`
}

// ZipName uses Lambda's architecture names, which is what `aws lambda publish-layer-version
// --compatible-architectures` takes.
func ZipName(version string, p platform.Platform) string {
	return fmt.Sprintf("lambda-adapter-layer-%s-%s.zip", version, p.LambdaArch())
}

// SBOMName is the SBOM beside a zip: the zip's name with .spdx.json, as the release names it.
func SBOMName(version string, p platform.Platform) string {
	return fmt.Sprintf("lambda-adapter-layer-%s-%s.spdx.json", version, p.LambdaArch())
}

// Write zips each binary, writes the zips (each atomically), merges their checksums into
// SHA256SUMS (keeping other versions' and platforms' lines), and writes template.yaml when bins
// cover every platform. bins come from build.Build, one per platform.
func Write(ctx context.Context, o Options, bins []build.Artifact) (Report, error) {
	zips, err := Zips(ctx, bins, o.Created)
	if err != nil {
		return Report{}, err
	}
	// Made before anything is written, so a binary with no build information fails the run
	// without leaving zips behind.
	sboms, err := o.sboms(bins)
	if err != nil {
		return Report{}, err
	}
	report := Report{Version: o.Version}
	sums := map[string]string{}
	for i, bin := range bins {
		name := ZipName(o.Version, bin.Platform)
		path, err := output.Join(o.Dir, name)
		if err != nil {
			return Report{}, err
		}
		if err := output.WriteBytes(path, 0o644, zips[i]); err != nil {
			return Report{}, err
		}
		sum := output.SHA256(zips[i])
		sums[name] = sum
		report.Layers = append(report.Layers, Zip{
			Platform: bin.Platform.String(), Architecture: bin.Platform.LambdaArch(),
			Path: path, Size: int64(len(zips[i])), SHA256: sum,
		})
		o.progress("wrote %s", path)
		if sboms != nil {
			sbomPath, err := o.writeSBOM(bin.Platform, sboms[i], sums)
			if err != nil {
				return Report{}, err
			}
			report.Layers[len(report.Layers)-1].SBOM = sbomPath
		}
	}
	if report.Checksums, err = output.UpdateChecksums(o.Dir, sums); err != nil {
		return Report{}, err
	}
	if len(bins) == len(platform.All()) {
		tpl, err := output.Join(o.Dir, "template.yaml")
		if err != nil {
			return Report{}, err
		}
		if err := output.WriteBytes(tpl, 0o644, layers.SAMTemplate(o.Version)); err != nil {
			return Report{}, err
		}
		report.SAMTemplate = tpl
	}
	return report, nil
}

// sboms are the SBOMs of bins, in order, when o.SBOM is set.
func (o Options) sboms(bins []build.Artifact) ([][]byte, error) {
	if !o.SBOM {
		return nil, nil
	}
	out := make([][]byte, len(bins))
	for i, bin := range bins {
		doc, err := sbom.ForFile(bin.Path, sbom.AdapterOptions(o.Version, bin.Platform.String(), o.Created))
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w (a binary not built by Go has none to describe: pass --sbom=false)", bin.Platform, err)
		}
		out[i] = doc
	}
	return out, nil
}

func (o Options) writeSBOM(p platform.Platform, doc []byte, sums map[string]string) (string, error) {
	name := SBOMName(o.Version, p)
	path, err := output.Join(o.Dir, name)
	if err != nil {
		return "", err
	}
	if err := output.WriteBytes(path, 0o644, doc); err != nil {
		return "", err
	}
	sums[name] = output.SHA256(doc)
	o.progress("wrote %s", path)
	return path, nil
}

func (o Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(format, args...)
	}
}

// Zips makes each platform's layer zip in memory, in bins' order, concurrently (compressing a
// multi-megabyte binary is the slow step after compiling); the first failure cancels the rest.
// lwa-pack publish sends these bytes; Write writes them.
func Zips(ctx context.Context, bins []build.Artifact, created time.Time) ([][]byte, error) {
	out := make([][]byte, len(bins))
	boot := layers.Bootstrap()
	g, ctx := errgroup.WithContext(ctx)
	for i, bin := range bins {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("layer %s: %w", bin.Platform, err)
			}
			data, err := os.ReadFile(bin.Path)
			if err != nil {
				return fmt.Errorf("layer %s: %w", bin.Platform, err)
			}
			var buf bytes.Buffer
			if err := layerzip.Write(&buf, layerzip.Layer(data, boot), created); err != nil {
				return fmt.Errorf("layer %s: %w", bin.Platform, err)
			}
			out[i] = buf.Bytes()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
