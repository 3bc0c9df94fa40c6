//go:build e2e

package releasetest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/lwa-go/lwa/internal/testenv"
)

// cosignPassword encrypts the test's throwaway release key.
const cosignPassword = "release-test-password"

// TestSignedRelease cuts a release signed with a cosign key pair (COSIGN_KEY, COSIGN_PASSWORD),
// publishing to the fake GitHub and to Debian's docker-registry on loopback, offline (no
// transparency log). Then, as a user, it runs the verification commands of docs/verify.md,
// taken from the file itself, on the uploaded files and the pushed image; and checks that they
// fail for another key, a tampered image index or platform manifest, a tampered zip and a
// tampered SHA256SUMS.
func TestSignedRelease(t *testing.T) {
	requireTools(t)
	cosign := testenv.Tool(t, "cosign")
	crane := testenv.Tool(t, "crane")
	keys := t.TempDir()
	generateCosignKey(t, cosign, keys, "release")
	generateCosignKey(t, cosign, keys, "other")
	github := newFakeGitHub(t)
	image := testenv.StartRegistry(t) + "/lwa-go/lambda-adapter"

	const tag, version = "v1.2.3", "1.2.3"
	work := cloneHead(t)
	run(t, work, os.Environ(), "git", "tag", tag)
	env := append(releaseEnv(os.Environ()), github.env()...)
	env = append(env, "LWA_IMAGE="+image, "COSIGN_KEY="+filepath.Join(keys, "release.key"),
		"COSIGN_PASSWORD="+cosignPassword, "COSIGN="+cosign)
	start := time.Now()
	run(t, work, env, filepath.Join(work, "scripts", "release", "goreleaser.sh"), "release", "--clean")
	t.Logf("signed release of %s: %s", tag, time.Since(start).Round(time.Second))
	r := readRelease(t, work, image)

	t.Run("uploads", func(t *testing.T) {
		_, assets, _ := github.snapshot()
		var got []string
		for n := range assets {
			got = append(got, n)
		}
		want := append(expectedFiles(version), "SHA256SUMS", "SHA256SUMS.cosign.sig", "lwa-"+version+".intoto.jsonl")
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("release assets\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	})
	t.Run("provenance subjects", func(t *testing.T) { checkProvenance(t, r, version) })
	t.Run("crane manifest shows the annotations", func(t *testing.T) {
		var m struct{ Annotations map[string]string }
		out := run(t, work, os.Environ(), crane, "manifest", image+":"+version)
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		if m.Annotations["org.opencontainers.image.revision"] != r.commit || m.Annotations["org.opencontainers.image.version"] != version {
			t.Errorf("crane manifest %s:%s annotations %v, want revision %s and version %s", image, version, m.Annotations, r.commit, version)
		}
	})

	script := verifyScript(t, filepath.Join(work, "docs", "verify.md"))
	downloads := func(t *testing.T, pub string) string {
		dir := t.TempDir()
		_, assets, _ := github.snapshot()
		for n := range assets {
			copyFile(t, filepath.Join(r.dist, n), filepath.Join(dir, n))
		}
		copyFile(t, filepath.Join(keys, pub), filepath.Join(dir, "cosign.pub"))
		return dir
	}
	user := userEnv(cosign, crane, version, image)

	t.Run("docs/verify.md passes", func(t *testing.T) {
		out, err := runScript(downloads(t, "release.pub"), user, script)
		if err != nil {
			t.Fatalf("the commands of docs/verify.md failed: %v\n%s", err, out)
		}
		t.Logf("docs/verify.md:\n%s", out)
	})
	t.Run("another key fails", func(t *testing.T) {
		dir := downloads(t, "other.pub")
		mustFail(t, dir, user, script, "the docs' commands with another key")
		for _, cmd := range []string{
			`cosign verify --key cosign.pub --insecure-ignore-tlog=true "$IMAGE:$VERSION"`,
			`cosign verify-attestation --key cosign.pub --insecure-ignore-tlog=true --type slsaprovenance1 "$IMAGE:$VERSION"`,
			`cosign verify-blob-attestation --key cosign.pub --insecure-ignore-tlog=true --type slsaprovenance1 --signature lwa-"$VERSION".intoto.jsonl lambda-adapter-layer-"$VERSION"-x86_64.zip`,
		} {
			mustFail(t, dir, user, cmd, cmd+" with another key")
		}
	})
	t.Run("tampered zip fails", func(t *testing.T) {
		dir := downloads(t, "release.pub")
		appendTo(t, filepath.Join(dir, "lambda-adapter-layer-"+version+"-x86_64.zip"), "x")
		mustFail(t, dir, user, script, "the docs' commands on a tampered zip")
		mustFail(t, dir, user, `cosign verify-blob-attestation --key cosign.pub --insecure-ignore-tlog=true --type slsaprovenance1 --signature lwa-"$VERSION".intoto.jsonl lambda-adapter-layer-"$VERSION"-x86_64.zip`,
			"the provenance of a tampered zip")
	})
	t.Run("tampered SHA256SUMS fails", func(t *testing.T) {
		dir := downloads(t, "release.pub")
		appendTo(t, filepath.Join(dir, "SHA256SUMS"), strings.Repeat("0", 64)+"  extra.zip\n")
		mustFail(t, dir, user, script, "the docs' commands on a tampered SHA256SUMS")
	})
	// Last: these rewrite the registry.
	t.Run("tampered manifests fail", func(t *testing.T) {
		dir := downloads(t, "release.pub")
		platformRef := tamperImage(t, image+":"+version)
		mustFail(t, dir, user, script, "the docs' commands on a tampered index")
		mustFail(t, dir, user, `cosign verify --key cosign.pub --insecure-ignore-tlog=true `+platformRef,
			"cosign verify of a tampered platform manifest")
		mustFail(t, dir, user, `cosign verify-attestation --key cosign.pub --insecure-ignore-tlog=true --type slsaprovenance1 `+platformRef,
			"cosign verify-attestation of a tampered platform manifest")
	})
}

// generateCosignKey writes dir/prefix.key (encrypted with cosignPassword) and dir/prefix.pub.
func generateCosignKey(t *testing.T, cosign, dir, prefix string) {
	t.Helper()
	run(t, dir, append(os.Environ(), "COSIGN_PASSWORD="+cosignPassword), cosign, "generate-key-pair", "--output-key-prefix", prefix)
}

// verifyScript returns the sh blocks of the "## The commands" section of docs/verify.md: what
// users are told to run.
func verifyScript(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## The commands\n")
	if !ok {
		t.Fatalf("%s has no \"## The commands\" section", path)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks []string
	for {
		_, rest, ok := strings.Cut(section, "```sh\n")
		if !ok {
			break
		}
		block, after, ok := strings.Cut(rest, "```")
		if !ok {
			t.Fatalf("%s: unterminated sh block", path)
		}
		blocks = append(blocks, block)
		section = after
	}
	if len(blocks) == 0 || !strings.Contains(strings.Join(blocks, ""), "cosign verify --key") {
		t.Fatalf("%s: no sh block with cosign verify --key in \"## The commands\"", path)
	}
	return strings.Join(blocks, "\n")
}

// userEnv is a user's shell: cosign and crane on PATH, VERSION and IMAGE set as the docs say.
func userEnv(cosign, crane, version, image string) []string {
	path := filepath.Dir(cosign) + string(os.PathListSeparator) + filepath.Dir(crane) +
		string(os.PathListSeparator) + os.Getenv("PATH")
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "PATH" && !strings.HasPrefix(k, "COSIGN") {
			env = append(env, kv)
		}
	}
	return append(env, "PATH="+path, "VERSION="+version, "IMAGE="+image)
}

// runScript runs script with bash -euo pipefail in dir; it returns the combined output.
func runScript(dir string, env []string, script string) (string, error) {
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func mustFail(t *testing.T, dir string, env []string, script, what string) {
	t.Helper()
	out, err := runScript(dir, env, script)
	if err == nil {
		t.Errorf("%s passed, want a failure:\n%s", what, tail(out, 20))
		return
	}
	t.Logf("%s fails as it should: %s", what, tail(strings.TrimSpace(out), 2))
}

// tamperImage rewrites the tag's index and its linux/amd64 manifest with an added annotation
// (the bytes change, the content does not), pushes both, and returns the tampered manifest's
// repository@digest reference.
func tamperImage(t *testing.T, ref string) string {
	t.Helper()
	tagRef, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(tagRef)
	if err != nil {
		t.Fatalf("read %s: %v", ref, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platformRef string
	for _, m := range im.Manifests {
		if m.Platform == nil || m.Platform.Architecture != "amd64" {
			continue
		}
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatal(err)
		}
		bad := mutate.Annotations(img, map[string]string{"tampered": "yes"}).(v1.Image)
		d, err := bad.Digest()
		if err != nil {
			t.Fatal(err)
		}
		digestRef := tagRef.Context().Digest(d.String())
		if err := remote.Write(digestRef, bad); err != nil {
			t.Fatalf("push the tampered manifest: %v", err)
		}
		platformRef = digestRef.String()
	}
	if platformRef == "" {
		t.Fatalf("%s has no linux/amd64 manifest", ref)
	}
	bad := mutate.Annotations(idx, map[string]string{"tampered": "yes"}).(v1.ImageIndex)
	if err := remote.WriteIndex(tagRef, bad); err != nil {
		t.Fatalf("push the tampered index: %v", err)
	}
	return platformRef
}
