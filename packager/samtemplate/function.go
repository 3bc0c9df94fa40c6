package samtemplate

import (
	"fmt"
	"strconv"
	"time"
)

// Function is what a template says about one function, Globals merged.
type Function struct {
	Name        string // the logical id
	Handler     string
	Runtime     string
	PackageType string // Zip or Image; Zip when the template does not say (Lambda's default)
	CodeURI     string // CodeUri, or s3://bucket/key for an S3 location
	ImageURI    string
	Timeout     time.Duration
	MemorySize  int
	// Architectures as written; empty means Lambda's default, x86_64 (see Architecture).
	Architectures []string
	Environment   map[string]string
	InvokeMode    string // FunctionUrlConfig.InvokeMode (SAM) or an AWS::Lambda::Url's InvokeMode
	Layers        []string
	// Unresolved names each property whose value is an intrinsic, with that value as text, e.g.
	// "Layers[0]: !Sub arn:aws:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:26".
	// String fields hold the same text; numeric fields stay zero.
	Unresolved []string
}

// Architecture returns the function's architecture: the first of Architectures, or x86_64.
func (f Function) Architecture() string {
	if len(f.Architectures) > 0 {
		return f.Architectures[0]
	}
	return "x86_64"
}

// reader pulls typed fields out of a properties mapping, noting intrinsics and the first error.
type reader struct {
	props *mapping
	fn    *Function
	err   error
}

func (r *reader) str(key string) string {
	v, _ := r.props.get(key)
	return r.scalar(key, v)
}

func (r *reader) scalar(path string, v value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case intrinsic:
		r.fn.Unresolved = append(r.fn.Unresolved, path+": "+x.text)
		return x.text
	}
	r.fail(fmt.Errorf("%s must be a single value, not a list or mapping", path))
	return ""
}

func (r *reader) integer(key string) int {
	v, _ := r.props.get(key)
	if in, ok := v.(intrinsic); ok {
		r.fn.Unresolved = append(r.fn.Unresolved, key+": "+in.text)
		return 0
	}
	s := r.scalar(key, v)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		r.fail(fmt.Errorf("%s %q is not a whole number", key, s))
	}
	return n
}

func (r *reader) list(key string) []string {
	v, _ := r.props.get(key)
	if v == nil {
		return nil
	}
	if in, ok := v.(intrinsic); ok {
		r.fn.Unresolved = append(r.fn.Unresolved, key+": "+in.text)
		return []string{in.text}
	}
	items, ok := v.([]value)
	if !ok {
		r.fail(fmt.Errorf("%s must be a list", key))
		return nil
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		out = append(out, r.scalar(fmt.Sprintf("%s[%d]", key, i), it))
	}
	return out
}

func (r *reader) sub(key string) *reader {
	v, _ := r.props.get(key)
	m, ok := v.(*mapping)
	if !ok {
		if in, isIn := v.(intrinsic); isIn {
			r.fn.Unresolved = append(r.fn.Unresolved, key+": "+in.text)
		} else if v != nil {
			r.fail(fmt.Errorf("%s must be a mapping", key))
		}
		m = nil
	}
	return &reader{props: m, fn: r.fn}
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// environment reads Environment.Variables. Values are strings to Lambda, so YAML numbers and
// booleans keep their written text (PORT: 8000 is "8000").
func (r *reader) environment() map[string]string {
	env := r.sub("Environment")
	vars := env.sub("Variables")
	if env.err != nil || vars.err != nil {
		r.fail(fmt.Errorf("property Environment: %w", firstErr(env.err, vars.err)))
		return nil
	}
	if vars.props == nil {
		return nil
	}
	out := make(map[string]string, len(vars.props.keys))
	for _, k := range vars.props.keys {
		out[k] = r.scalar("Environment.Variables."+k, vars.props.vals[k])
	}
	return out
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func newReader(name string, props value) (*reader, *Function) {
	f := &Function{Name: name}
	m, _ := props.(*mapping)
	return &reader{props: m, fn: f}, f
}

func (r *reader) common() {
	f := r.fn
	f.Handler = r.str("Handler")
	f.Runtime = r.str("Runtime")
	f.PackageType = r.str("PackageType")
	f.Timeout = time.Duration(r.integer("Timeout")) * time.Second
	f.MemorySize = r.integer("MemorySize")
	f.Architectures = r.list("Architectures")
	f.Environment = r.environment()
	f.Layers = r.list("Layers")
}

// serverlessFunction reads an AWS::Serverless::Function's (merged) properties.
func serverlessFunction(name string, props value) (Function, error) {
	r, f := newReader(name, props)
	r.common()
	f.ImageURI = r.str("ImageUri")
	f.CodeURI = r.codeLocation("CodeUri", "Bucket", "Key")
	f.InvokeMode = r.sub("FunctionUrlConfig").str("InvokeMode")
	if f.PackageType == "" {
		f.PackageType = "Zip"
	}
	return *f, r.err
}

// lambdaFunction reads a plain CloudFormation AWS::Lambda::Function: its code is under Code.
func lambdaFunction(name string, props value) (Function, error) {
	r, f := newReader(name, props)
	r.common()
	code := r.sub("Code")
	f.ImageURI = code.str("ImageUri")
	f.CodeURI = code.codeLocation("", "S3Bucket", "S3Key")
	if f.PackageType == "" {
		f.PackageType = "Zip"
	}
	return *f, firstErr(r.err, code.err)
}

// codeLocation reads a code location written as a path or URI string under key (key "" means
// no such string form), or as an S3 bucket and key, returned as s3://bucket/key.
func (r *reader) codeLocation(key, bucketKey, objectKey string) string {
	if key != "" {
		v, _ := r.props.get(key)
		if _, ok := v.(*mapping); !ok {
			return r.str(key)
		}
		r = r.sub(key)
	}
	bucket, object := r.str(bucketKey), r.str(objectKey)
	if bucket == "" && object == "" {
		return ""
	}
	return "s3://" + bucket + "/" + object
}
