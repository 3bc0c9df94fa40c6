package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeStep records that it ran; it is a test double for runSteps, not for a real stage.
type fakeStep struct {
	name   string
	skip   bool
	reason string
	err    error
	ran    *[]string
}

func (f fakeStep) String() string            { return f.name }
func (f fakeStep) Skip() (bool, string)      { return f.skip, f.reason }
func (f fakeStep) Run(context.Context) error { *f.ran = append(*f.ran, f.name); return f.err }

func TestRunStepsSkipsAndStops(t *testing.T) {
	env, log := testEnv(nil)
	var ran []string
	boom := errors.New("boom")
	err := runSteps(context.Background(), env,
		fakeStep{name: "a", ran: &ran},
		fakeStep{name: "b", skip: true, reason: "nothing to do", ran: &ran},
		fakeStep{name: "c", skip: true, ran: &ran},
		fakeStep{name: "d", err: boom, ran: &ran},
		fakeStep{name: "e", ran: &ran},
	)
	if !errors.Is(err, boom) || err.Error() != "boom" {
		t.Fatalf("err %v, want d's error as it is", err)
	}
	if strings.Join(ran, ",") != "a,d" {
		t.Fatalf("ran %v, want a,d: skipped steps and those after a failure must not run", ran)
	}
	if got := log.String(); got != "release hook: b: nothing to do\n" {
		t.Fatalf("log %q, want only b's reason (c skips silently)", got)
	}
}

// The first of two platforms is recorded and waits; nothing is claimed or packed.
func TestCollectWaitsForTheSet(t *testing.T) {
	env, log := testEnv(nil)
	dist := t.TempDir()
	bin := filepath.Join(t.TempDir(), "lambda-adapter")
	os.WriteFile(bin, []byte("binary"), 0o755)
	args := []string{"collect", "--dist", dist, "--platform", "linux/arm64", "--binary", bin,
		"--expect", "linux/amd64,linux/arm64", "--version", "1.2.3", "--source-date-epoch", "1700000000",
		"--commit", "0123abc", "--image", "example.com/lwa"}
	if err := run(context.Background(), args, env); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "recorded linux/arm64; waiting for the other platforms") {
		t.Errorf("log %q does not say it waits", log)
	}
	s := newState(dist)
	if got, _ := s.binaries([]string{"linux/arm64"}); got["linux/arm64"] != bin {
		t.Errorf("recorded %v, want %s", got, bin)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "packed")); err == nil {
		t.Error("an incomplete set was claimed for packing")
	}
	if _, err := os.Stat(s.imageFile()); err == nil {
		t.Error("an incomplete set was packed")
	}
}
