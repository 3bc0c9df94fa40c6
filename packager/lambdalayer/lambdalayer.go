// Package lambdalayer publishes the adapter's layer zips as Lambda layer versions (what
// `aws lambda publish-layer-version` does), in several regions at once, and reads each version back
// to check that Lambda stored the zip that was sent.
//
// Each architecture is its own layer, named NamePrefix+"X86" or NamePrefix+"Arm64" as in the SAM
// template that `lwa-pack layer` writes, so that a function's Layers entry names the right binary.
package lambdalayer

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"golang.org/x/sync/errgroup"
)

// DefaultNamePrefix matches the SAM template's LayerNamePrefix default.
const DefaultNamePrefix = "LambdaAdapterLayer"

// PublicStatementID is the statement --public adds to each layer version's policy.
const PublicStatementID = "lwa-pack-public"

// Zip is one architecture's layer zip.
type Zip struct {
	// Architecture is Lambda's name for it: x86_64 or arm64.
	Architecture string
	Data         []byte
}

// Request says what to publish where.
type Request struct {
	NamePrefix  string
	Description string // %s in it is replaced by the architecture
	LicenseInfo string
	Zips        []Zip
	Regions     []string
	Runtimes    []string
	Public      bool
}

// Published is one layer version, as created in one region.
type Published struct {
	Region          string `json:"region"`
	Architecture    string `json:"architecture"`
	LayerName       string `json:"layerName"`
	LayerArn        string `json:"layerArn"`
	LayerVersionArn string `json:"layerVersionArn"`
	Version         int64  `json:"version"`
	CodeSha256      string `json:"codeSha256"`
	CodeSize        int64  `json:"codeSize"`
	Public          bool   `json:"public"`
}

// Publisher calls the Lambda API of each region with one set of credentials.
type Publisher struct {
	cfg          aws.Config
	baseEndpoint string
	concurrency  int
}

// Option configures a Publisher.
type Option func(*Publisher)

// WithBaseEndpoint sends every region's calls to url instead of Lambda's endpoint (tests; a
// VPC endpoint). The requests are still signed for their own region.
func WithBaseEndpoint(url string) Option { return func(p *Publisher) { p.baseEndpoint = url } }

// New returns a Publisher using cfg's credentials, retryer and HTTP client; cfg.Region is the
// region used when a Request names none.
func New(cfg aws.Config, opts ...Option) *Publisher {
	p := &Publisher{cfg: cfg, concurrency: 4}
	for _, o := range opts {
		o(p)
	}
	return p
}

var (
	regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	namePattern   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// LayerName returns the layer name for an architecture.
func LayerName(prefix, arch string) string {
	if arch == string(types.ArchitectureArm64) {
		return prefix + "Arm64"
	}
	return prefix + "X86"
}

// Field names the part of a Request an InputError is about.
type Field string

// The fields Validate checks.
const (
	FieldNamePrefix Field = "name prefix"
	FieldRegions    Field = "regions"
	FieldRuntimes   Field = "runtimes"
	FieldZips       Field = "zips"
)

// InputError is a Request Lambda would refuse, found before any call.
type InputError struct {
	Field Field
	Msg   string
}

func (e *InputError) Error() string { return e.Msg }

func inputError(f Field, format string, args ...any) error {
	return &InputError{Field: f, Msg: fmt.Sprintf(format, args...)}
}

// Validate checks a request without calling AWS. Its errors are *InputError.
func Validate(req Request) error {
	if err := CheckTargets(req); err != nil {
		return err
	}
	for _, z := range req.Zips {
		if z.Architecture != string(types.ArchitectureX8664) && z.Architecture != string(types.ArchitectureArm64) {
			return inputError(FieldZips, "architecture %q: Lambda has x86_64 and arm64", z.Architecture)
		}
	}
	if len(req.Zips) == 0 {
		return inputError(FieldZips, "no layer zips to publish")
	}
	return nil
}

// CheckTargets checks where a request would publish (name prefix, regions, runtimes), which is all
// lwa-pack knows before it has built the zips: a bad flag fails before any compiling.
func CheckTargets(req Request) error {
	if req.NamePrefix == "" || !namePattern.MatchString(req.NamePrefix) || len(req.NamePrefix) > 135 {
		return inputError(FieldNamePrefix, "layer name prefix %q: use 1 to 135 letters, digits, - and _ (Lambda's layer name pattern, leaving room for X86/Arm64)", req.NamePrefix)
	}
	seen := map[string]bool{}
	for _, r := range req.Regions {
		if !regionPattern.MatchString(r) {
			return inputError(FieldRegions, "region %q: not an AWS region name (like us-east-1 or eu-central-2)", r)
		}
		if seen[r] {
			return inputError(FieldRegions, "region %s given twice", r)
		}
		seen[r] = true
	}
	if len(req.Runtimes) > 15 {
		return inputError(FieldRuntimes, "%d runtimes: Lambda takes at most 15 compatible runtimes", len(req.Runtimes))
	}
	known := types.Runtime("").Values()
	for _, rt := range req.Runtimes {
		if !slices.Contains(known, types.Runtime(rt)) {
			return inputError(FieldRuntimes, "runtime %q: not a Lambda runtime identifier (like provided.al2023, nodejs22.x, python3.13)", rt)
		}
	}
	return nil
}

type task struct {
	region string
	zip    Zip
}

// Publish creates one layer version per region and zip. It either returns every version, sorted by
// region and architecture, or an error and no versions: when any call fails, the versions this
// run already created are deleted again (see *Error).
func (p *Publisher) Publish(ctx context.Context, req Request) ([]Published, error) {
	regions := req.Regions
	if len(regions) == 0 {
		if p.cfg.Region == "" {
			return nil, errors.New("no region: pass --region or set AWS_REGION (or a region in the AWS profile)")
		}
		regions = []string{p.cfg.Region}
	}
	req.Regions = regions
	if err := Validate(req); err != nil {
		return nil, err
	}
	var tasks []task
	for _, r := range regions {
		for _, z := range req.Zips {
			tasks = append(tasks, task{r, z})
		}
	}

	var (
		mu       sync.Mutex
		done     []Published
		failures []*CallError
		failed   atomic.Bool
	)
	var g errgroup.Group
	g.SetLimit(p.concurrency)
	for _, t := range tasks {
		g.Go(func() error {
			// A task not yet started when another failed is not started: everything is undone anyway.
			// Tasks in flight finish, so that every version created is known and can be deleted.
			if failed.Load() || ctx.Err() != nil {
				return nil
			}
			pub, err := p.publishOne(ctx, req, t)
			mu.Lock()
			defer mu.Unlock()
			if pub.Version > 0 {
				done = append(done, pub)
			}
			if err != nil {
				failed.Store(true)
				failures = append(failures, err)
			}
			return nil
		})
	}
	g.Wait()
	if len(failures) == 0 && ctx.Err() != nil {
		failures = append(failures, &CallError{Op: "publish", Err: ctx.Err()})
	}
	sortPublished(done)
	if len(failures) > 0 {
		sortFailures(failures)
		return nil, p.rollback(ctx, failures, done)
	}
	return done, nil
}

// publishOne publishes one zip in one region, makes it public if asked, and reads it back. The
// returned Published has a Version as soon as the version exists, even with an error.
func (p *Publisher) publishOne(ctx context.Context, req Request, t task) (Published, *CallError) {
	client := p.client(t.region)
	name := LayerName(req.NamePrefix, t.zip.Architecture)
	fail := func(op string, err error) *CallError {
		return &CallError{Region: t.region, Architecture: t.zip.Architecture, LayerName: name, Op: op, Err: err}
	}
	arch := []types.Architecture{types.Architecture(t.zip.Architecture)}
	in := &lambda.PublishLayerVersionInput{
		LayerName:               aws.String(name),
		Content:                 &types.LayerVersionContentInput{ZipFile: t.zip.Data},
		CompatibleArchitectures: arch,
	}
	for _, rt := range req.Runtimes {
		in.CompatibleRuntimes = append(in.CompatibleRuntimes, types.Runtime(rt))
	}
	if req.Description != "" {
		in.Description = aws.String(strings.ReplaceAll(req.Description, "%s", t.zip.Architecture))
	}
	if req.LicenseInfo != "" {
		in.LicenseInfo = aws.String(req.LicenseInfo)
	}
	out, err := client.PublishLayerVersion(ctx, in)
	if err != nil {
		return Published{}, fail("PublishLayerVersion", err)
	}
	pub := Published{
		Region: t.region, Architecture: t.zip.Architecture, LayerName: name,
		LayerArn: aws.ToString(out.LayerArn), LayerVersionArn: aws.ToString(out.LayerVersionArn), Version: out.Version,
	}
	if req.Public {
		if _, err := client.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{
			LayerName: aws.String(name), VersionNumber: aws.Int64(out.Version),
			StatementId: aws.String(PublicStatementID), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String("*"),
		}); err != nil {
			return pub, fail("AddLayerVersionPermission", err)
		}
		pub.Public = true
	}
	got, err := client.GetLayerVersion(ctx, &lambda.GetLayerVersionInput{LayerName: aws.String(name), VersionNumber: aws.Int64(out.Version)})
	if err != nil {
		return pub, fail("GetLayerVersion", err)
	}
	if err := checkStored(got, t.zip, arch); err != nil {
		return pub, fail("GetLayerVersion", err)
	}
	pub.CodeSha256, pub.CodeSize = aws.ToString(got.Content.CodeSha256), got.Content.CodeSize
	return pub, nil
}

// checkStored compares what Lambda says it stored with what was sent.
func checkStored(got *lambda.GetLayerVersionOutput, z Zip, arch []types.Architecture) error {
	sum := sha256.Sum256(z.Data)
	want := base64.StdEncoding.EncodeToString(sum[:])
	if got.Content == nil || aws.ToString(got.Content.CodeSha256) != want || got.Content.CodeSize != int64(len(z.Data)) {
		return fmt.Errorf("the stored layer is not the zip sent (CodeSha256 %s, want %s)", codeSha(got), want)
	}
	if !slices.Equal(got.CompatibleArchitectures, arch) {
		return fmt.Errorf("the stored layer's architectures are %v, want %v", got.CompatibleArchitectures, arch)
	}
	return nil
}

func codeSha(got *lambda.GetLayerVersionOutput) string {
	if got.Content == nil {
		return "missing"
	}
	return aws.ToString(got.Content.CodeSha256)
}

func (p *Publisher) client(region string) *lambda.Client {
	return lambda.NewFromConfig(p.cfg, func(o *lambda.Options) {
		o.Region = region
		if p.baseEndpoint != "" {
			o.BaseEndpoint = aws.String(p.baseEndpoint)
		}
	})
}

// rollback deletes the versions this run created, so that a failed run leaves no layer versions
// that nothing printed. It runs even when ctx was cancelled (an interrupt), within its own time.
func (p *Publisher) rollback(ctx context.Context, failures []*CallError, done []Published) error {
	e := &Error{Failures: failures}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	for _, d := range done {
		_, err := p.client(d.Region).DeleteLayerVersion(ctx, &lambda.DeleteLayerVersionInput{
			LayerName: aws.String(d.LayerName), VersionNumber: aws.Int64(d.Version),
		})
		if err != nil {
			e.Left = append(e.Left, d.LayerVersionArn)
			e.DeleteErrors = append(e.DeleteErrors, &CallError{Region: d.Region, Architecture: d.Architecture, LayerName: d.LayerName, Op: "DeleteLayerVersion", Err: err})
			continue
		}
		e.Deleted = append(e.Deleted, d.LayerVersionArn)
	}
	return e
}

func sortPublished(ps []Published) {
	slices.SortFunc(ps, func(a, b Published) int {
		if c := strings.Compare(a.Region, b.Region); c != 0 {
			return c
		}
		return strings.Compare(a.Architecture, b.Architecture)
	})
}

func sortFailures(fs []*CallError) {
	slices.SortFunc(fs, func(a, b *CallError) int {
		if c := strings.Compare(a.Region, b.Region); c != 0 {
			return c
		}
		return strings.Compare(a.Architecture, b.Architecture)
	})
}
