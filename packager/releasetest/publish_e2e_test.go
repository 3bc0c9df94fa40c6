//go:build e2e

package releasetest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestPublishedRelease cuts a real release, as a maintainer would: a v1.2.3 tag, a signing key
// (a throwaway one), `goreleaser release --clean`; the GitHub API is a fake that records the
// release and its uploads, and the image goes to an in-process registry. It checks what users
// get: the uploaded files and their bytes, the release notes, the signature, the pushed image.
func TestPublishedRelease(t *testing.T) {
	requireTools(t)
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Fatalf("gpg not found in PATH: the release test needs it (apt-get install gnupg)")
	}
	gnupgHome := throwawayKeyring(t)
	fpr := generateKey(t, gnupgHome)
	github := newFakeGitHub(t)
	pushes := &tagPushes{counts: map[string]int{}}
	reg := httptest.NewServer(pushes.wrap(registry.New(registry.Logger(log.New(io.Discard, "", 0)))))
	t.Cleanup(reg.Close)
	image := strings.TrimPrefix(reg.URL, "http://") + "/lwa-go/lambda-adapter"

	const tag, version = "v1.2.3", "1.2.3"
	work := cloneHead(t)
	run(t, work, os.Environ(), "git", "tag", tag)
	env := append(releaseEnv(os.Environ()), github.env()...)
	env = append(env, "LWA_IMAGE="+image, "GNUPGHOME="+gnupgHome, "GPG_FINGERPRINT="+fpr)

	wrapper := filepath.Join(work, "scripts", "release", "goreleaser.sh")
	start := time.Now()
	run(t, work, env, wrapper, "release", "--clean")
	t.Logf("release of %s (goreleaser release --clean, publishing to fakes): %s", tag, time.Since(start).Round(time.Second))
	r := readRelease(t, work, image)
	if r.version != version {
		t.Fatalf("released version %q, want %q", r.version, version)
	}

	t.Run("checksums", func(t *testing.T) { checkChecksums(t, r) })
	t.Run("signature", func(t *testing.T) {
		sums := filepath.Join(r.dist, "SHA256SUMS")
		run(t, r.dist, env, "gpg", "--batch", "--verify", sums+".sig", sums)
	})
	t.Run("uploads", func(t *testing.T) { checkUploads(t, r, github) })
	t.Run("release notes", func(t *testing.T) {
		checkNotes(t, r)
		checkReleaseBody(t, r, github, tag)
	})
	t.Run("pushed image", func(t *testing.T) {
		checkPushed(t, r, version, "latest")
		for _, tag := range []string{version, "latest"} {
			if n := pushes.count(tag); n != 1 {
				t.Errorf("tag %s was pushed %d times, want once", tag, n)
			}
		}
	})
	t.Run("layer zips identical to lwa-pack layer", func(t *testing.T) { checkLayersMatchLwaPack(t, r, env) })
}

// checkUploads: the release holds exactly the files SHA256SUMS lists, SHA256SUMS and its
// signature, each with the bytes in dist.
func checkUploads(t *testing.T, r release, github *fakeGitHub) {
	_, assets, requests := github.snapshot()
	want := append(expectedFiles(r.version), "SHA256SUMS", "SHA256SUMS.sig")
	slices.Sort(want)
	var got []string
	for n := range assets {
		got = append(got, n)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("release assets\n  %s\nwant\n  %s\nrequests: %v", strings.Join(got, "\n  "), strings.Join(want, "\n  "), requests)
	}
	for _, n := range want {
		data, err := os.ReadFile(filepath.Join(r.dist, n))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != assets[n] {
			t.Errorf("uploaded %s differs from dist/%s", n, n)
		}
	}
	t.Logf("uploaded: %s", strings.Join(got, ", "))
}

// checkReleaseBody: published (not left a draft), not a prerelease, with the changelog and the
// footer the build hook wrote.
func checkReleaseBody(t *testing.T, r release, github *fakeGitHub, tag string) {
	rel, _, _ := github.snapshot()
	if rel.TagName != tag || rel.Draft || rel.Prerelease {
		t.Errorf("release %+v: want tag %s, published, not a prerelease", rel, tag)
	}
	notes, err := os.ReadFile(filepath.Join(r.dist, "release-notes.md"))
	if err != nil {
		t.Fatal(err)
	}
	subject := strings.TrimSpace(run(t, r.work, os.Environ(), "git", "log", "-1", "--format=%s"))
	for what, want := range map[string]string{
		"changelog heading":        "## Changelog",
		"HEAD in the changelog":    subject,
		"footer from the hook":     strings.TrimSpace(string(notes)),
		"verification of the .sig": "gpg --verify SHA256SUMS.sig SHA256SUMS",
	} {
		if !strings.Contains(rel.Body, want) {
			t.Errorf("release body lacks the %s (%q)", what, want)
		}
	}
	if t.Failed() {
		t.Logf("release body:\n%s", rel.Body)
	}
}

// tagPushes counts the manifest uploads by tag a registry receives.
type tagPushes struct {
	mu     sync.Mutex
	counts map[string]int
}

func (p *tagPushes) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			if _, ref, ok := strings.Cut(r.URL.Path, "/manifests/"); ok && !strings.HasPrefix(ref, "sha256:") {
				p.mu.Lock()
				p.counts[ref]++
				p.mu.Unlock()
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (p *tagPushes) count(tag string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[tag]
}

// checkPushed: every tag in the registry names dist/image's index.
func checkPushed(t *testing.T, r release, tags ...string) {
	want := imageDigest(t, r)
	for _, tag := range tags {
		ref, err := name.ParseReference(r.image+":"+tag, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(ref)
		if err != nil {
			t.Errorf("%s: %v", ref, err)
			continue
		}
		if desc.Digest.String() != want {
			t.Errorf("%s is %s, want dist/image's %s", ref, desc.Digest, want)
		}
	}
}
