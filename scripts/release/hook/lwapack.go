package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// lwaPackMain is lwa-pack's main package, built from the checkout goreleaser runs in so that the
// layer zips and the image come from the same code as the release's lwa-pack.
const lwaPackMain = "./packager/cmd/lwa-pack"

// buildLwaPack compiles lwa-pack for this machine into the state directory and returns its path.
func buildLwaPack(ctx context.Context, s state, version string) (string, error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return "", fmt.Errorf("build lwa-pack: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-s -w -X main.version="+version, "-o", s.lwaPack(), lwaPackMain)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build lwa-pack: go build %s: %w\n%s", lwaPackMain, err, strings.TrimSpace(out.String()))
	}
	return s.lwaPack(), nil
}

// runLwaPack runs lwa-pack with args plus --quiet --json and decodes its JSON report into
// report. Its stderr is kept for the error message.
func runLwaPack(ctx context.Context, path string, report any, args ...string) error {
	args = append(args, "--quiet", "--json")
	cmd := exec.CommandContext(ctx, path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("lwa-pack %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(stdout.Bytes(), report); err != nil {
		return fmt.Errorf("lwa-pack %s: read its --json report: %w", args[0], err)
	}
	return nil
}

// binaryArgs turns recorded binaries into lwa-pack's --binary flags, in platform order.
func binaryArgs(bins map[string]string) []string {
	var args []string
	for _, p := range sortedPlatforms(bins) {
		args = append(args, "--binary", p+"="+bins[p])
	}
	return args
}

// layerReport is the part of `lwa-pack layer --json` the hook uses.
type layerReport struct {
	Layers []struct {
		Platform     string `json:"platform"`
		Architecture string `json:"architecture"`
		Path         string `json:"path"`
		SHA256       string `json:"sha256"`
	} `json:"layers"`
	SAMTemplate string `json:"samTemplate"`
}

// imageReport is the part of `lwa-pack image --json` the hook uses.
type imageReport struct {
	Digest string `json:"digest"`
	Images []struct {
		Platform string `json:"platform"`
	} `json:"images"`
}
