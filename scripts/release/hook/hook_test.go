package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func testEnv(vars map[string]string) (environment, *bytes.Buffer) {
	var log bytes.Buffer
	return environment{
		Name: name, Lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		Stdout: &log, Stderr: &log,
	}, &log
}

func TestClaimIsWonOnce(t *testing.T) {
	s := newState(t.TempDir())
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	wins := 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			won, err := s.claim()
			if err != nil {
				t.Error(err)
			}
			if won {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d callers won the claim, want 1", wins)
	}
}

func TestRecordAndBinaries(t *testing.T) {
	s := newState(t.TempDir())
	if err := s.record("linux/arm64", "/dist/arm64/lambda-adapter"); err != nil {
		t.Fatal(err)
	}
	got, err := s.binaries([]string{"linux/amd64", "linux/arm64"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["linux/arm64"] != "/dist/arm64/lambda-adapter" {
		t.Fatalf("binaries = %v", got)
	}
	if err := s.record("linux/amd64", "/dist/amd64/lambda-adapter"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.binaries([]string{"linux/amd64", "linux/arm64"})
	want := []string{"--binary", "linux/amd64=/dist/amd64/lambda-adapter", "--binary", "linux/arm64=/dist/arm64/lambda-adapter"}
	if args := binaryArgs(got); strings.Join(args, " ") != strings.Join(want, " ") {
		t.Fatalf("binaryArgs = %q, want %q", args, want)
	}
}

func collectArgs(dist, binary, platform string) []string {
	return []string{"--dist", dist, "--platform", platform, "--binary", binary,
		"--expect", "linux/amd64,linux/arm64", "--version", "1.2.3",
		"--source-date-epoch", "1700000000", "--commit", "0123abc", "--image", "example.com/lwa"}
}

// The first binary of two is only recorded: nothing is packed, nothing else is written.
func TestCollectWaitsForTheOtherPlatforms(t *testing.T) {
	dist := t.TempDir()
	bin := filepath.Join(dist, "lambda-adapter_linux_amd64_v1", "lambda-adapter")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("elf"), 0o755); err != nil {
		t.Fatal(err)
	}
	env, log := testEnv(nil)
	if err := run(context.Background(), append([]string{"collect"}, collectArgs(dist, bin, "linux/amd64")...), env); err != nil {
		t.Fatalf("collect: %v\n%s", err, log)
	}
	s := newState(dist)
	if got, _ := s.binaries([]string{"linux/amd64"}); got["linux/amd64"] != bin {
		t.Fatalf("recorded %v, want %s", got, bin)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "packed")); err == nil {
		t.Fatal("packing was claimed with one binary of two")
	}
	if _, err := os.Stat(filepath.Join(dist, notesFile)); err == nil {
		t.Fatal("release notes written with one binary of two")
	}
}

func TestParseCollect(t *testing.T) {
	good := collectArgs("dist", "bin", "linux/arm64")
	cfg, err := parseCollect(good, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.imageTag != "1.2.3" || len(cfg.expect) != 2 {
		t.Fatalf("parsed %+v", cfg)
	}
	for name, args := range map[string][]string{
		"no git remote (goreleaser's placeholders)": replace(good, "--source-date-epoch", "-62135596800", "--commit", "none"),
		"platform not expected":                     replace(good, "--platform", "linux/386"),
		"missing version":                           replace(good, "--version", ""),
		"stray argument":                            append(good, "extra"),
	} {
		if _, err := parseCollect(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
	_, err = parseCollect(replace(good, "--commit", "none"), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "scripts/release/goreleaser.sh") {
		t.Errorf("missing git info: error %v does not point at scripts/release/goreleaser.sh", err)
	}
}

// replace returns args with the values of the given flags replaced.
func replace(args []string, flagValues ...string) []string {
	out := append([]string(nil), args...)
	for i := 0; i+1 < len(flagValues); i += 2 {
		for j := range out {
			if out[j] == flagValues[i] && j+1 < len(out) {
				out[j+1] = flagValues[i+1]
			}
		}
	}
	return out
}

func TestNotes(t *testing.T) {
	n := notes{
		Version: "1.2.3", Commit: "0123abc", Epoch: "1700000000",
		Layers: []noteLayer{
			{Platform: "linux/amd64", Architecture: "x86_64", File: "lambda-adapter-layer-1.2.3-x86_64.zip", SHA256: "aa"},
			{Platform: "linux/arm64", Architecture: "arm64", File: "lambda-adapter-layer-1.2.3-arm64.zip", SHA256: "bb"},
		},
		Template: samTemplateName("1.2.3"),
		Image:    noteImage{Ref: "example.com/lwa:1.2.3", Digest: "sha256:cc", Platforms: []string{"linux/amd64", "linux/arm64"}},
	}
	for _, signed := range []bool{false, true} {
		n.Signed = signed
		out, err := n.render()
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		for _, want := range []string{
			"| x86_64 | `lambda-adapter-layer-1.2.3-x86_64.zip` | `aa` |",
			"| arm64 | `lambda-adapter-layer-1.2.3-arm64.zip` | `bb` |",
			"sam deploy --template-file lambda-adapter-layer-1.2.3-template.yaml",
			"--zip-file fileb://lambda-adapter-layer-1.2.3-arm64.zip",
			"`example.com/lwa:1.2.3`, index digest `sha256:cc`\n(linux/amd64, linux/arm64)",
			"COPY --from=example.com/lwa:1.2.3@sha256:cc /lambda-adapter /opt/extensions/lambda-adapter",
			"commit `0123abc`",
			"sha256sum --ignore-missing -c SHA256SUMS",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("signed=%v: notes lack %q:\n%s", signed, want, text)
			}
		}
		if got := strings.Contains(text, "gpg --verify"); got != signed {
			t.Errorf("signed=%v: notes mention gpg --verify: %v", signed, got)
		}
	}
}

func TestSignWithoutKeyDoesNothing(t *testing.T) {
	dir := t.TempDir()
	artifact := filepath.Join(dir, "SHA256SUMS")
	if err := os.WriteFile(artifact, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, vars := range []map[string]string{nil, {gpgFingerprintEnv: ""}} {
		env, log := testEnv(vars)
		err := run(context.Background(), []string{"sign", "--artifact=" + artifact, "--signature=" + artifact + ".sig"}, env)
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		if _, err := os.Stat(artifact + ".sig"); err == nil {
			t.Fatal("a signature was written without a key")
		}
		if !strings.Contains(log.String(), "not signing") {
			t.Errorf("no log line says signing was skipped: %q", log)
		}
	}
}

func TestSignRunsGPG(t *testing.T) {
	dir := t.TempDir()
	artifact := filepath.Join(dir, "SHA256SUMS")
	if err := os.WriteFile(artifact, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A stand-in gpg that records its arguments and stdin and writes the --output file.
	fake := filepath.Join(dir, "gpg")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$0.args\"\ncat > \"$0.stdin\"\n" +
		"while [ $# -gt 0 ]; do if [ \"$1\" = --output ]; then echo sig > \"$2\"; fi; shift; done\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env, log := testEnv(map[string]string{gpgFingerprintEnv: "ABCD", gpgPassphraseEnv: "secret", gpgProgramEnv: fake})
	if err := run(context.Background(), []string{"sign", "--artifact=" + artifact, "--signature=" + artifact + ".sig"}, env); err != nil {
		t.Fatalf("sign: %v\n%s", err, log)
	}
	args, _ := os.ReadFile(fake + ".args")
	want := "--batch\n--yes\n--local-user\nABCD\n--pinentry-mode\nloopback\n--passphrase-fd\n0\n--output\n" +
		artifact + ".sig\n--detach-sign\n" + artifact + "\n"
	if string(args) != want {
		t.Errorf("gpg args:\n%s\nwant:\n%s", args, want)
	}
	if stdin, _ := os.ReadFile(fake + ".stdin"); string(stdin) != "secret\n" {
		t.Errorf("gpg stdin %q, want the passphrase", stdin)
	}
	if _, err := os.Stat(artifact + ".sig"); err != nil {
		t.Errorf("no signature: %v", err)
	}
}

func TestUnknownCommand(t *testing.T) {
	env, _ := testEnv(nil)
	if err := run(context.Background(), []string{"publish"}, env); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := run(context.Background(), nil, env); err == nil {
		t.Fatal("no command accepted")
	}
}

// goreleaser calls the publisher for every artifact it matches; only the --run-for one pushes.
func TestPushOnlyForItsArtifact(t *testing.T) {
	env, log := testEnv(nil)
	dist := filepath.Join(t.TempDir(), "no-dist") // pushing would fail: nothing was packed here
	args := []string{"push", "--dist", dist, "--version", "1.2.3", "--source-date-epoch", "1700000000",
		"--image", "example.com/lwa", "--run-for", "SHA256SUMS", "--artifact", "lambda-adapter-layer-1.2.3-arm64.zip"}
	if err := run(context.Background(), args, env); err != nil {
		t.Fatalf("push for another artifact: %v", err)
	}
	if !strings.Contains(log.String(), "nothing to do") {
		t.Errorf("log %q does not say the push was left for SHA256SUMS", log)
	}
	args = replace(args, "--artifact", "SHA256SUMS")
	err := run(context.Background(), args, env)
	if err == nil || !strings.Contains(err.Error(), "did not pack the image") {
		t.Fatalf("push for SHA256SUMS with nothing packed: %v, want an error saying so", err)
	}
}
