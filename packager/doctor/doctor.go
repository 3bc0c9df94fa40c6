package doctor

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/lwa-go/lwa/packager/registry"
	"github.com/lwa-go/lwa/packager/samtemplate"
)

// Limits are Lambda's package size limits; tests lower them.
type Limits struct {
	ZipBytes      int64 // a zip uploaded directly
	UnzippedBytes int64 // a function and its layers, unzipped
	ImageBytes    int64 // a container image
}

// LambdaLimits returns Lambda's limits: 50 MB zipped, 250 MB unzipped, 10 GB per image.
func LambdaLimits() Limits {
	return Limits{ZipBytes: 50 << 20, UnzippedBytes: 250 << 20, ImageBytes: 10 << 30}
}

// Options are what to check and against what.
type Options struct {
	// Target is a zip, a directory, an OCI layout, a docker tarball or an image reference.
	Target string
	// Arch is the function's architecture (x86_64 or arm64); "" takes the template's, else the
	// image's own platform.
	Arch string
	// Env is the environment from --env-file and --env, over the template's or image's.
	Env map[string]string
	// Function is the template's function, when a template was given.
	Function *samtemplate.Function
	// Registry reads image references.
	Registry registry.Client
	Limits   Limits
}

// Report is the result of a run; docs/doctor.md documents its JSON form.
type Report struct {
	Target       string       `json:"target"`
	Kind         Kind         `json:"kind"`
	Architecture string       `json:"architecture,omitempty"`
	Adapter      *AdapterInfo `json:"adapter,omitempty"`
	Image        *ImageReport `json:"image,omitempty"`
	Findings     []Finding    `json:"findings"`
	Notes        []string     `json:"notes"`
	Errors       int          `json:"errors"`
	Warnings     int          `json:"warnings"`
}

// ImageReport is the image part of a report.
type ImageReport struct {
	Platform   string   `json:"platform"`
	Index      bool     `json:"index"`
	Platforms  []string `json:"platforms,omitempty"`
	Adapter    bool     `json:"adapterImage"`
	Layers     int      `json:"layers"`
	LayersRead int      `json:"layersRead"`
}

// Failed says whether the run should exit 1: an error, or with strict a warning.
func (r Report) Failed(strict bool) bool {
	return r.Errors > 0 || (strict && r.Warnings > 0)
}

// Run checks the target. An error means the target could not be read; problems found in it are
// the report's findings.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Limits == (Limits{}) {
		o.Limits = LambdaLimits()
	}
	if o.Arch == "" && o.Function != nil {
		o.Arch = o.Function.Architecture()
	}
	r := Report{Target: o.Target, Findings: []Finding{}, Notes: []string{}}
	var f findings
	t, local, err := openLocal(o.Target)
	if err != nil {
		return Report{}, err
	}
	if local {
		defer t.Close()
		err = checkLocal(t, o, &r, &f)
	} else {
		err = checkImageTarget(ctx, o, &r, &f)
	}
	if err != nil {
		return Report{}, err
	}
	sort.SliceStable(f, func(i, j int) bool { return f[i].ID < f[j].ID })
	r.Findings = append(r.Findings, f...)
	for _, x := range f {
		if x.Severity == Error {
			r.Errors++
		} else {
			r.Warnings++
		}
	}
	return r, nil
}

func checkLocal(t *Target, o Options, r *Report, f *findings) error {
	r.Kind, r.Architecture = t.Kind, o.Arch
	env, configured := environment(nil, o, r)
	if t.Opt != nil {
		ai, err := checkAdapter(t, o.Arch, f)
		if err != nil {
			return err
		}
		r.Adapter = ai
		if err := checkBootstrap(t, env, f); err != nil {
			return err
		}
	} else {
		note := "no /opt in this target: the adapter comes from a layer; check the layer zip too"
		if o.Function != nil && len(o.Function.Layers) > 0 {
			note += " (the template's layers: " + strings.Join(o.Function.Layers, ", ") + ")"
		}
		r.Notes = append(r.Notes, note)
	}
	if t.Task != nil {
		if err := checkFunctionCode(t, o, env, configured, r, f); err != nil {
			return err
		}
	}
	if t.Kind == KindFunctionZip || t.Kind == KindLayerZip {
		checkZipSize(t, o.Limits, f)
	}
	if configured {
		checkConfig(env, o.Function, f)
	}
	return nil
}

func checkFunctionCode(t *Target, o Options, env map[string]string, configured bool, r *Report, f *findings) error {
	wrapperOK := true
	if configured {
		wrapperOK = checkWrapper(t, o.Function, env, f)
	} else {
		r.Notes = append(r.Notes, "no configuration given (--env, --env-file, --template): AWS_LAMBDA_EXEC_WRAPPER and the AWS_LWA_ settings are not checked")
	}
	if !wrapperOK {
		return nil // the handler is a runtime handler name, not a file, until the wrapper is set
	}
	file := handlerFile(t, o.Function, env)
	if file == "" {
		r.Notes = append(r.Notes, "the handler is unknown (no template Handler, no run.sh or bootstrap): its script is not checked")
		return nil
	}
	return checkHandler(t, file, f)
}

// environment merges the configuration sources, lowest first: the image's Env, the template's
// Environment, then --env-file and --env. configured is false when there is none.
func environment(imageEnv []string, o Options, r *Report) (map[string]string, bool) {
	env := map[string]string{}
	configured := imageEnv != nil || o.Function != nil || o.Env != nil
	for _, kv := range imageEnv {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	if o.Function != nil {
		unresolved := map[string]bool{}
		for _, u := range o.Function.Unresolved {
			if name, ok := strings.CutPrefix(u, "Environment.Variables."); ok {
				k, _, _ := strings.Cut(name, ":")
				unresolved[k] = true
				r.Notes = append(r.Notes, "not checked: "+u+" (an intrinsic, known only when deployed)")
			}
		}
		for k, v := range o.Function.Environment {
			if !unresolved[k] {
				env[k] = v
			}
		}
	}
	for k, v := range o.Env {
		env[k] = v
	}
	return env, configured
}

// checkImageTarget reads an image (layout, tarball or registry): manifests and config first,
// then only the layers needed to find the adapter and the files the checks read.
func checkImageTarget(ctx context.Context, o Options, r *Report, f *findings) error {
	src, err := openImageSource(ctx, o.Target, o.Registry)
	if err != nil {
		return err
	}
	r.Kind, r.Architecture = KindImage, o.Arch
	info := &Image{}
	img, err := choose(src, o.Arch, info)
	if err != nil {
		return fmt.Errorf("%s: %w", o.Target, err)
	}
	if img == nil {
		f.add("LWA021", fmt.Sprintf("the index has no %s image (it has %s)", o.Arch, strings.Join(info.Platforms, ", ")),
			fmt.Sprintf("build the image for %s, or set the function's architecture to one the index has", goPlatform(o.Arch)))
		r.Image = &ImageReport{Index: true, Platforms: info.Platforms}
		return nil
	}
	if err := describe(img, info); err != nil {
		return fmt.Errorf("%s: %w", o.Target, err)
	}
	env, _ := environment(nonNil(info.Config.Env), o, r)
	want := []string{"opt", "opt/extensions", "opt/" + adapterPath}
	if w := env[execWrapper]; strings.HasPrefix(w, "/opt/") {
		want = append(want, strings.TrimPrefix(w, "/"))
	}
	if needsPasswd(info.Config.User) {
		want = append(want, "etc/passwd")
	}
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("%s: read layers: %w", o.Target, err)
	}
	root, read, err := readFiles(ctx, layers, want)
	if err != nil {
		return fmt.Errorf("%s: %w", o.Target, err)
	}
	info.LayersRead = read
	opt, err := fs.Sub(root, "opt")
	if err != nil {
		return err
	}
	t := &Target{Name: o.Target, Kind: KindImage, Opt: opt, Image: info}
	r.Image = &ImageReport{Platform: info.Platform, Index: info.Index, Platforms: info.Platforms, Adapter: info.AdapterOnly, Layers: info.Layers, LayersRead: read}
	// The adapter must match the image's own platform; the image against --arch is LWA021.
	if r.Architecture == "" {
		r.Architecture = info.Arch
	}
	ai, err := checkAdapter(t, info.Arch, f)
	if err != nil {
		return err
	}
	r.Adapter = ai
	if err := checkBootstrap(t, env, f); err != nil {
		return err
	}
	checkImage(t, o.Arch, root, o.Limits, f)
	if needsPasswd(info.Config.User) {
		if _, _, known := resolveUser(info.Config.User, root); !known {
			r.Notes = append(r.Notes, fmt.Sprintf("the image's user %q is not in its /etc/passwd: its access to the adapter is not checked", info.Config.User))
		}
	}
	if !info.AdapterOnly {
		checkConfig(env, o.Function, f)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
