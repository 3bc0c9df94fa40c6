package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/lwa-go/lwa/packager/build"
	"github.com/lwa-go/lwa/packager/output"
	"github.com/lwa-go/lwa/scripts/release/internal/cli"
	"github.com/lwa-go/lwa/scripts/release/provenance"
)

type signConfig struct {
	artifact, signature string
	dist, version       string
	commit, ref, epoch  string
	repository, image   string
	imageTag            string
}

func parseSign(args []string, stderr io.Writer) (signConfig, error) {
	var cfg signConfig
	fs := cli.NewFlagSet("sign", stderr)
	fs.StringVar(&cfg.artifact, "artifact", "", "the checksums file to sign (SHA256SUMS)")
	fs.StringVar(&cfg.signature, "signature", "", "the cosign signature to write")
	fs.StringVar(&cfg.dist, "dist", "", "goreleaser's dist directory (holds image/, the OCI layout)")
	fs.StringVar(&cfg.version, "version", "", "the release version")
	fs.StringVar(&cfg.commit, "commit", "", "the full commit hash released")
	fs.StringVar(&cfg.ref, "ref", "", "the git ref released (refs/tags/vX.Y.Z)")
	fs.StringVar(&cfg.epoch, "source-date-epoch", "", "Unix time of the release commit")
	fs.StringVar(&cfg.repository, "repository", "", "the source repository URL")
	fs.StringVar(&cfg.image, "image", "", "the image repository")
	fs.StringVar(&cfg.imageTag, "image-tag", "", "the image tag (default: --version)")
	if err := fs.Parse(args); err != nil {
		return signConfig{}, err
	}
	if err := cli.Required(fs, "artifact", "signature", "dist", "version", "commit", "source-date-epoch", "repository", "image"); err != nil {
		return signConfig{}, err
	}
	if cfg.imageTag == "" {
		cfg.imageTag = cfg.version
	}
	return cfg, nil
}

// provenanceFile is the signed provenance the release ships: a DSSE envelope (one JSON line, as
// SLSA's generators name theirs *.intoto.jsonl) around the in-toto statement.
func provenanceFile(version string) string { return "lwa-" + version + ".intoto.jsonl" }

// predicateFile is the provenance predicate sign leaves for sign-image (not released).
func predicateFile(dist string) string {
	return filepath.Join(dist, ".lwa-supplychain", "provenance-predicate.json")
}

// sign signs the checksums file and the release provenance when COSIGN_KEY is set.
func sign(ctx context.Context, cfg signConfig, env environment) error {
	c, ok, err := newCosign(env)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if !ok {
		env.Logf("sign: %s not set: no cosign signature, no signed provenance", cosignKeyEnv)
		return nil
	}
	if err := c.signBlob(ctx, cfg.artifact, cfg.signature); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	pred, stmt, err := releaseProvenance(cfg, env)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(predicateFile(cfg.dist)), 0o755); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if err := output.WriteBytes(predicateFile(cfg.dist), 0o644, pred); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	stmtPath := filepath.Join(filepath.Dir(predicateFile(cfg.dist)), "provenance-statement.json")
	if err := output.WriteBytes(stmtPath, 0o644, stmt); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	envelope, err := c.attestStatement(ctx, stmtPath)
	if err != nil {
		return fmt.Errorf("sign: provenance: %w", err)
	}
	out := filepath.Join(cfg.dist, provenanceFile(cfg.version))
	if err := output.WriteBytes(out, 0o644, envelope); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	env.Logf("signed %s (%s) and the provenance %s", cfg.artifact, cfg.signature, out)
	return nil
}

// releaseProvenance builds the predicate and the statement: subjects are every file the checksums
// file lists, the checksums file itself, and the image index and manifests in dist/image.
func releaseProvenance(cfg signConfig, env environment) (pred, stmt []byte, err error) {
	sums, err := os.ReadFile(cfg.artifact)
	if err != nil {
		return nil, nil, fmt.Errorf("provenance: %w", err)
	}
	subjects, err := provenance.FileSubjects(bytes.NewReader(sums))
	if err != nil {
		return nil, nil, err
	}
	subjects = append(subjects, provenance.Resource{Name: filepath.Base(cfg.artifact), Digest: map[string]string{"sha256": output.SHA256(sums)}})
	img, err := readLayout(filepath.Join(cfg.dist, "image"))
	if err != nil {
		return nil, nil, fmt.Errorf("provenance: %w", err)
	}
	imgSubjects, err := img.subjects(cfg.image + ":" + cfg.imageTag)
	if err != nil {
		return nil, nil, err
	}
	subjects = append(subjects, imgSubjects...)
	p, err := provenance.NewPredicate(provenance.Build{
		Repository:      cfg.repository,
		Commit:          cfg.commit,
		Ref:             cfg.ref,
		Version:         cfg.version,
		SourceDateEpoch: cfg.epoch,
		Image:           cfg.image + ":" + cfg.imageTag,
		BuilderID:       builderID(env),
		BuilderVersion:  map[string]string{"go": runtime.Version()},
		Internal: map[string]string{
			"adapterBuild": "CGO_ENABLED=0 go build -trimpath -buildvcs=false -tags=" + build.AdapterTags +
				" -ldflags=\"" + build.AdapterLDFlags(cfg.version) + "\" ./adapter/cmd/lambda-adapter",
			"release": "goreleaser release with .goreleaser.yaml at the commit (docs/release.md)",
		},
		InvocationID: invocationID(env),
	})
	if err != nil {
		return nil, nil, err
	}
	s, err := provenance.NewStatement(subjects, p)
	if err != nil {
		return nil, nil, err
	}
	if pred, err = provenance.JSON(p); err != nil {
		return nil, nil, err
	}
	if stmt, err = provenance.JSON(s); err != nil {
		return nil, nil, err
	}
	return pred, stmt, nil
}

// builderID names the build platform: LWA_BUILDER_ID if set, else the GitHub Actions workflow
// running the release, else a machine of a maintainer (a local release).
func builderID(env environment) string {
	if id := env.Get("LWA_BUILDER_ID"); id != "" {
		return id
	}
	if ref := env.Get("GITHUB_WORKFLOW_REF"); ref != "" {
		server := env.Get("GITHUB_SERVER_URL")
		if server == "" {
			server = "https://github.com"
		}
		return server + "/" + ref
	}
	return "https://github.com/lwa-go/lwa/blob/main/docs/verify.md#local-builder"
}

// invocationID is the GitHub Actions run, when the release runs there.
func invocationID(env environment) string {
	server, repo, id := env.Get("GITHUB_SERVER_URL"), env.Get("GITHUB_REPOSITORY"), env.Get("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return server + "/" + repo + "/actions/runs/" + id + "/attempts/" + env.Get("GITHUB_RUN_ATTEMPT")
}
