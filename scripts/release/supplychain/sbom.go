package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/lwa-go/lwa/packager/layerzip"
	"github.com/lwa-go/lwa/packager/output"
	"github.com/lwa-go/lwa/packager/sbom"
	"github.com/lwa-go/lwa/scripts/release/internal/cli"
)

type sbomConfig struct {
	binary, platform, version, epoch, output string
}

func parseSBOM(args []string, stderr io.Writer) (sbomConfig, error) {
	var cfg sbomConfig
	fs := cli.NewFlagSet("sbom", stderr)
	fs.StringVar(&cfg.binary, "binary", "", "the adapter binary goreleaser built")
	fs.StringVar(&cfg.platform, "platform", "", "its platform, e.g. linux/amd64")
	fs.StringVar(&cfg.version, "version", "", "the release version (goreleaser's .Version)")
	fs.StringVar(&cfg.epoch, "source-date-epoch", "", "Unix time of the release commit: the SBOM's creation time")
	fs.StringVar(&cfg.output, "output", "", "the SBOM file to write")
	if err := fs.Parse(args); err != nil {
		return sbomConfig{}, err
	}
	if err := cli.Required(fs, "binary", "platform", "version", "source-date-epoch", "output"); err != nil {
		return sbomConfig{}, err
	}
	return cfg, nil
}

// writeSBOM writes the SBOM lwa-pack writes for the same binary, version and time.
func writeSBOM(cfg sbomConfig) error {
	sec, err := strconv.ParseInt(cfg.epoch, 10, 64)
	if err != nil || sec <= 0 {
		return fmt.Errorf("sbom: --source-date-epoch %q is not a positive Unix time", cfg.epoch)
	}
	// lwa-pack stamps everything with the epoch as its zips can hold it (even seconds, from 1980):
	// the same time here keeps the SBOM identical to lwa-pack layer's.
	created := layerzip.ClampTime(time.Unix(sec, 0))
	doc, err := sbom.ForFile(cfg.binary, sbom.AdapterOptions(cfg.version, cfg.platform, created))
	if err != nil {
		return err
	}
	return output.WriteBytes(cfg.output, 0o644, doc)
}
