package publish

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lwa-go/lwa/packager/image"
	"github.com/lwa-go/lwa/packager/output"
)

// Tarball writes docker-loadable tarballs (`docker load -i FILE`), which hold one platform
// each: with several platforms, FILE gets the Lambda architecture before its extension
// (app.tar becomes app-x86_64.tar and app-arm64.tar).
type Tarball struct {
	Path string
	// Ref is the name docker load gives the image.
	Ref name.Tag
}

func (t Tarball) String() string { return "tar:" + t.Path }

// Check fails early if Path is a directory.
func (t Tarball) Check() error {
	if st, err := os.Stat(t.Path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory", t.Path)
	}
	return nil
}

// Publish writes the tarballs.
func (t Tarball) Publish(_ context.Context, r image.Result) ([]Result, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	images := r.Images()
	var results []Result
	for _, pi := range images {
		path := t.Path
		if len(images) > 1 {
			ext := filepath.Ext(path)
			path = strings.TrimSuffix(path, ext) + "-" + pi.Platform.LambdaArch() + ext
		}
		digest, err := pi.Image.Digest()
		if err != nil {
			return nil, err
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
		}
		err = output.WriteFile(path, 0o644, func(w io.Writer) error {
			return tarball.Write(t.Ref, pi.Image, w)
		})
		if err != nil {
			return nil, err
		}
		res := Result{Kind: "tar", Path: path, Digest: digest.String()}
		if len(images) > 1 {
			res.Platform = pi.Platform.String()
		}
		results = append(results, res)
	}
	return results, nil
}
