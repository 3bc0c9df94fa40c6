//go:build e2e

package releasetest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// release is one goreleaser release of a clone of HEAD.
type release struct {
	work, dist string
	version    string
	commit     string
	epoch      int64
	artifacts  []artifact
	// image is the repository the image is named (and pushed) as.
	image string
}

// defaultImage is .goreleaser.yaml's image repository when LWA_IMAGE is not set.
const defaultImage = "ghcr.io/lwa-go/lambda-adapter"

// artifact is an entry of dist/artifacts.json.
type artifact struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Goos   string `json:"goos"`
	Goarch string `json:"goarch"`
	Type   string `json:"type"`
}

// TestSnapshotRelease runs what CI runs, `goreleaser check` and `goreleaser release --snapshot
// --clean --skip=publish` (offline, no signing key), in a clone of HEAD, then checks everything
// the release would publish.
func TestSnapshotRelease(t *testing.T) {
	goreleaser := requireTools(t)
	t.Logf("goreleaser: %s", goreleaser)
	work := cloneHead(t)
	env := releaseEnv(os.Environ())
	r := snapshot(t, work, env)

	t.Run("checksums", func(t *testing.T) { checkChecksums(t, r) })
	t.Run("lwa-pack archives", func(t *testing.T) { checkArchives(t, r) })
	t.Run("layer zips identical to lwa-pack layer", func(t *testing.T) { checkLayersMatchLwaPack(t, r, env) })
	t.Run("layer zip contents", func(t *testing.T) { checkLayerContents(t, r) })
	t.Run("image layout", func(t *testing.T) { checkImage(t, r) })
	t.Run("release notes", func(t *testing.T) { checkNotes(t, r) })
	t.Run("SBOMs", func(t *testing.T) { checkSBOMs(t, r) })
	t.Run("image annotations and SBOM referrers", func(t *testing.T) { checkImageSupplyChain(t, r) })
	if _, err := os.Stat(filepath.Join(r.dist, "SHA256SUMS.sig")); err == nil {
		t.Errorf("SHA256SUMS.sig exists although no signing key was set")
	}
}

// snapshot runs goreleaser check and the snapshot release in work, through the wrapper the
// Makefile uses, and reads what it wrote.
func snapshot(t *testing.T, work string, env []string) release {
	t.Helper()
	wrapper := filepath.Join(work, "scripts", "release", "goreleaser.sh")
	run(t, work, env, wrapper, "check")
	start := time.Now()
	run(t, work, env, wrapper, "release", "--snapshot", "--clean", "--skip=publish")
	t.Logf("snapshot release (goreleaser release --snapshot --clean --skip=publish): %s", time.Since(start).Round(time.Second))
	r := readRelease(t, work, defaultImage)
	if want := "-SNAPSHOT-" + r.commit[:7]; !strings.HasSuffix(r.version, want) {
		t.Fatalf("snapshot version %q, want it to end in %s", r.version, want)
	}
	return r
}

// expectedFiles is everything SHA256SUMS must list, sorted: what the release uploads besides
// SHA256SUMS itself (and a signature, when signed).
func expectedFiles(version string) []string {
	files := []string{
		"lambda-adapter-layer-" + version + "-arm64.spdx.json",
		"lambda-adapter-layer-" + version + "-arm64.zip",
		"lambda-adapter-layer-" + version + "-template.yaml",
		"lambda-adapter-layer-" + version + "-x86_64.spdx.json",
		"lambda-adapter-layer-" + version + "-x86_64.zip",
	}
	for _, goos := range []string{"darwin", "linux", "windows"} {
		for _, goarch := range []string{"amd64", "arm64"} {
			ext := ".tar.gz"
			if goos == "windows" {
				ext = ".zip"
			}
			files = append(files, fmt.Sprintf("lwa-pack_%s_%s_%s%s", version, goos, goarch, ext))
		}
	}
	slices.Sort(files)
	return files
}

func checkChecksums(t *testing.T, r release) {
	data, err := os.ReadFile(filepath.Join(r.dist, "SHA256SUMS"))
	if err != nil {
		t.Fatalf("read SHA256SUMS: %v", err)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("SHA256SUMS: malformed line %q", line)
		}
		names = append(names, name)
	}
	want := expectedFiles(r.version)
	if !slices.Equal(names, want) {
		t.Fatalf("SHA256SUMS lists\n  %s\nwant\n  %s", strings.Join(names, "\n  "), strings.Join(want, "\n  "))
	}
	out := run(t, r.dist, os.Environ(), "sha256sum", "-c", "SHA256SUMS")
	if n := strings.Count(out, ": OK\n"); n != len(want) {
		t.Fatalf("sha256sum -c: %d files OK, want %d:\n%s", n, len(want), out)
	}
	t.Logf("release files (sha256sum -c SHA256SUMS):\n%s", out)
}

// checkArchives opens every lwa-pack archive: README.md, LICENSE and the binary in one directory
// named like the archive, stamped with the commit time.
func checkArchives(t *testing.T, r release) {
	for _, name := range expectedFiles(r.version) {
		if !strings.HasPrefix(name, "lwa-pack_") {
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(name, ".tar.gz"), ".zip")
		bin := "lwa-pack"
		if strings.Contains(name, "_windows_") {
			bin += ".exe"
		}
		entries, err := listArchive(filepath.Join(r.dist, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.name)
			if !e.modTime.Equal(time.Unix(r.epoch, 0)) {
				t.Errorf("%s: %s has mtime %s, want the commit time %s", name, e.name, e.modTime.UTC(), time.Unix(r.epoch, 0).UTC())
			}
			wantMode := os.FileMode(0o644)
			if strings.HasSuffix(e.name, "/"+bin) {
				wantMode = 0o755
			}
			if e.mode != wantMode {
				t.Errorf("%s: %s has mode %v, want %v", name, e.name, e.mode, wantMode)
			}
			if e.owner != "" && e.owner != "0:0 root:root" {
				t.Errorf("%s: %s is owned by %s, want 0:0 root:root", name, e.name, e.owner)
			}
		}
		slices.Sort(got)
		want := []string{base + "/LICENSE", base + "/README.md", base + "/" + bin}
		if !slices.Equal(got, want) {
			t.Errorf("%s holds %v, want %v", name, got, want)
		}
	}
}

// checkLayersMatchLwaPack runs the release's own lwa-pack for this machine in the clone, as a
// user would, compiling the adapter from source for the same version and commit time; its zips
// and SAM template must be byte-identical to the release's.
func checkLayersMatchLwaPack(t *testing.T, r release, env []string) {
	lwaPack := r.binary(t, "lwa-pack", runtime.GOOS, runtime.GOARCH)
	out := t.TempDir()
	env = append(env, "SOURCE_DATE_EPOCH="+strconv.FormatInt(r.epoch, 10))
	run(t, r.work, env, lwaPack, "layer", "--version", r.version, "--output", out, "--quiet")
	pairs := map[string]string{
		"lambda-adapter-layer-" + r.version + "-x86_64.zip":    "lambda-adapter-layer-" + r.version + "-x86_64.zip",
		"lambda-adapter-layer-" + r.version + "-arm64.zip":     "lambda-adapter-layer-" + r.version + "-arm64.zip",
		"lambda-adapter-layer-" + r.version + "-template.yaml": "template.yaml",
		// goreleaser's sboms pipe and lwa-pack layer write the same SBOM for the same binary.
		"lambda-adapter-layer-" + r.version + "-x86_64.spdx.json": "lambda-adapter-layer-" + r.version + "-x86_64.spdx.json",
		"lambda-adapter-layer-" + r.version + "-arm64.spdx.json":  "lambda-adapter-layer-" + r.version + "-arm64.spdx.json",
	}
	for released, packed := range pairs {
		a, err := os.ReadFile(filepath.Join(r.dist, released))
		if err != nil {
			t.Fatalf("release: %v", err)
		}
		b, err := os.ReadFile(filepath.Join(out, packed))
		if err != nil {
			t.Fatalf("lwa-pack layer: %v", err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s (%d bytes) differs from lwa-pack layer's %s (%d bytes)%s", released, len(a), packed, len(b), firstDiff(a, b))
		} else {
			t.Logf("%s: byte-identical to lwa-pack layer's (%d bytes)", released, len(a))
		}
	}
}

// checkLayerContents looks inside the release's layer zips: the layout Lambda needs, and the
// adapter binary goreleaser built.
func checkLayerContents(t *testing.T, r release) {
	for goarch, lambdaArch := range map[string]string{"amd64": "x86_64", "arm64": "arm64"} {
		name := "lambda-adapter-layer-" + r.version + "-" + lambdaArch + ".zip"
		zr, err := zip.OpenReader(filepath.Join(r.dist, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer zr.Close()
		var got []string
		for _, f := range zr.File {
			got = append(got, fmt.Sprintf("%s %v", f.Name, f.Mode()))
			if f.Name == "extensions/lambda-adapter" {
				data := readZipFile(t, f)
				want, err := os.ReadFile(r.binary(t, "lambda-adapter", "linux", goarch))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(data, want) {
					t.Errorf("%s: extensions/lambda-adapter is not goreleaser's linux/%s build", name, goarch)
				}
			}
		}
		want := []string{"bootstrap -rwxr-xr-x", "extensions/ drwxr-xr-x", "extensions/lambda-adapter -rwxr-xr-x"}
		if !slices.Equal(got, want) {
			t.Errorf("%s holds %q, want %q", name, got, want)
		}
	}
}

func checkNotes(t *testing.T, r release) {
	data, err := os.ReadFile(filepath.Join(r.dist, "release-notes.md"))
	if err != nil {
		t.Fatalf("read release notes: %v", err)
	}
	notes := string(data)
	sums, err := os.ReadFile(filepath.Join(r.dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		sum, name, _ := strings.Cut(line, "  ")
		if strings.HasSuffix(name, ".zip") && strings.HasPrefix(name, "lambda-adapter-layer-") {
			if !strings.Contains(notes, "`"+name+"` | `"+sum+"`") {
				t.Errorf("release notes do not list %s with its SHA-256 %s", name, sum)
			}
		}
	}
	digest := imageDigest(t, r)
	ref := r.image + ":" + r.version
	if !strings.Contains(notes, "COPY --from="+ref+"@"+digest+" ") {
		t.Errorf("release notes do not give the image %s@%s", ref, digest)
	}
	if t.Failed() {
		t.Logf("release notes:\n%s", notes)
	}
}

// requireTools fails the test when a tool the release needs is missing: a release test that
// skips proves nothing.
func requireTools(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"go", "git", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found in PATH: the release test needs it", tool)
		}
	}
	gobin := strings.TrimSpace(run(t, ".", os.Environ(), "go", "env", "GOBIN"))
	if gobin == "" {
		gobin = filepath.Join(strings.TrimSpace(run(t, ".", os.Environ(), "go", "env", "GOPATH")), "bin")
	}
	path := filepath.Join(gobin, "goreleaser")
	if _, err := os.Stat(path); err != nil {
		if path, err = exec.LookPath("goreleaser"); err != nil {
			t.Fatalf("goreleaser not found in %s or PATH: install it with scripts/install-tools.sh release", gobin)
		}
	}
	return path
}

// cloneHead clones the repository's HEAD into a temporary directory, so the test never touches
// the working tree's dist/ and releases exactly what is committed. The clone's remote is removed:
// like a fresh checkout here, goreleaser then sees a repository without one.
func cloneHead(t *testing.T) string {
	t.Helper()
	root := strings.TrimSpace(run(t, ".", os.Environ(), "git", "rev-parse", "--show-toplevel"))
	if st := strings.TrimSpace(run(t, root, os.Environ(), "git", "status", "--porcelain", "--untracked-files=no")); st != "" {
		t.Logf("note: uncommitted changes in %s are not part of the release under test:\n%s", root, st)
	}
	work := filepath.Join(t.TempDir(), "lwa")
	run(t, ".", os.Environ(), "git", "clone", "--quiet", root, work)
	run(t, work, os.Environ(), "git", "remote", "remove", "origin")
	return work
}

// releaseEnv is the environment for goreleaser: the caller's, without anything that would sign,
// change the image name or pin tags, so the run is the plain offline snapshot CI does.
func releaseEnv(environ []string) []string {
	drop := []string{"GPG_FINGERPRINT", "GPG_PASSPHRASE", "LWA_IMAGE", "SOURCE_DATE_EPOCH",
		"GORELEASER_CURRENT_TAG", "GORELEASER_PREVIOUS_TAG", "GIT_CONFIG_COUNT"}
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			out = append(out, kv)
		}
	}
	return out
}

func readRelease(t *testing.T, work, image string) release {
	t.Helper()
	r := release{work: work, dist: filepath.Join(work, "dist"), image: image}
	var meta struct {
		Version string `json:"version"`
		Commit  string `json:"commit"`
	}
	readJSON(t, filepath.Join(r.dist, "metadata.json"), &meta)
	readJSON(t, filepath.Join(r.dist, "artifacts.json"), &r.artifacts)
	r.version, r.commit = meta.Version, meta.Commit
	head := strings.TrimSpace(run(t, work, os.Environ(), "git", "rev-parse", "HEAD"))
	if r.commit != head {
		t.Fatalf("goreleaser released commit %q, want HEAD %s", r.commit, head)
	}
	epoch, err := strconv.ParseInt(strings.TrimSpace(run(t, work, os.Environ(), "git", "log", "-1", "--format=%ct")), 10, 64)
	if err != nil {
		t.Fatalf("commit time: %v", err)
	}
	r.epoch = epoch
	t.Logf("version %s, commit %s, commit time %d", r.version, r.commit, r.epoch)
	return r
}

// binary returns the path of goreleaser's build of name for goos/goarch.
func (r release) binary(t *testing.T, name, goos, goarch string) string {
	t.Helper()
	for _, a := range r.artifacts {
		if a.Type == "Binary" && strings.TrimSuffix(a.Name, ".exe") == name && a.Goos == goos && a.Goarch == goarch {
			return filepath.Join(r.work, a.Path)
		}
	}
	t.Fatalf("artifacts.json has no %s binary for %s/%s", name, goos, goarch)
	return ""
}

type archiveEntry struct {
	name    string
	mode    os.FileMode
	modTime time.Time
	// owner is "uid:gid uname:gname" for tar entries, empty for zip entries.
	owner string
}

// listArchive lists the regular files of a .tar.gz or .zip.
func listArchive(path string) ([]archiveEntry, error) {
	var out []archiveEntry
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		for _, f := range zr.File {
			if !f.Mode().IsDir() {
				out = append(out, archiveEntry{name: f.Name, mode: f.Mode().Perm(), modTime: f.Modified})
			}
		}
		return out, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("tar: %w", err)
		}
		if h.Typeflag == tar.TypeReg {
			out = append(out, archiveEntry{name: h.Name, mode: h.FileInfo().Mode().Perm(), modTime: h.ModTime,
				owner: fmt.Sprintf("%d:%d %s:%s", h.Uid, h.Gid, h.Uname, h.Gname)})
		}
	}
}

func readZipFile(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	return data
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// run runs a command in dir and returns its stdout; it fails the test, with the output, if the
// command fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s (in %s): %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), dir, err, tail(stdout.String(), 60), tail(stderr.String(), 60))
	}
	if strings.Contains(name, "goreleaser") {
		t.Logf("%s %s:\n%s", filepath.Base(name), strings.Join(args, " "), tail(stderr.String(), 80))
	}
	return stdout.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("... (%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
