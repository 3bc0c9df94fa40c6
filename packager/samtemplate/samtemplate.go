// Package samtemplate reads the parts of an AWS SAM (or plain CloudFormation) template that say
// how a Lambda function runs: its handler, runtime, package type, architecture, environment,
// layers and Function URL invoke mode, with the template's Globals merged in as SAM merges them.
//
// Values that are CloudFormation intrinsics (`!Ref`, `!Sub`, `!GetAtt`, `!If`...) depend on the
// deployed stack; they are kept as readable text (`!Ref AdapterLayer`) and named in
// Function.Unresolved, never dropped.
package samtemplate

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The resource types read as functions.
const (
	TypeServerlessFunction = "AWS::Serverless::Function"
	TypeLambdaFunction     = "AWS::Lambda::Function"
	typeLambdaURL          = "AWS::Lambda::Url"
)

// Template is a parsed template.
type Template struct {
	path      string
	globals   value // Globals.Function
	resources *mapping
}

// ErrFunctionNotFound is returned (wrapped) when the template has no function of the given name,
// or none at all; ErrAmbiguous when no name was given and there are several.
var (
	ErrFunctionNotFound = errors.New("function not found")
	ErrAmbiguous        = errors.New("several functions")
)

// Load reads and parses the template at path (YAML or JSON).
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", path, err)
	}
	t.path = path
	return t, nil
}

// Parse parses a template's text.
func Parse(data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	root, err := convert(&doc)
	if err != nil {
		return nil, err
	}
	top, ok := root.(*mapping)
	if !ok {
		return nil, errors.New("not a template: the top level is not a mapping")
	}
	res, _ := top.get("Resources")
	resources, ok := res.(*mapping)
	if !ok {
		return nil, errors.New("not a template: no Resources mapping")
	}
	t := &Template{resources: resources}
	if g, ok := top.get("Globals"); ok {
		gm, ok := g.(*mapping)
		if !ok {
			return nil, errors.New("the Globals section is not a mapping")
		}
		t.globals, _ = gm.get("Function")
	}
	return t, nil
}

// Functions returns the logical ids of the template's functions (AWS::Serverless::Function and
// AWS::Lambda::Function), sorted.
func (t *Template) Functions() []string {
	var names []string
	for _, k := range t.resources.keys {
		switch resourceType(t.resources.vals[k]) {
		case TypeServerlessFunction, TypeLambdaFunction:
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// Function returns the function with logical id name; "" means the template's only function.
func (t *Template) Function(name string) (Function, error) {
	names := t.Functions()
	where := "template"
	if t.path != "" {
		where = t.path
	}
	if name == "" {
		switch len(names) {
		case 0:
			return Function{}, fmt.Errorf("%s has no %s or %s resource: %w", where, TypeServerlessFunction, TypeLambdaFunction, ErrFunctionNotFound)
		case 1:
			name = names[0]
		default:
			return Function{}, fmt.Errorf("%s has %d functions (%s): %w; choose one with --function", where, len(names), strings.Join(names, ", "), ErrAmbiguous)
		}
	}
	res, ok := t.resources.get(name)
	typ := resourceType(res)
	if !ok || (typ != TypeServerlessFunction && typ != TypeLambdaFunction) {
		have := "none"
		if len(names) > 0 {
			have = strings.Join(names, ", ")
		}
		return Function{}, fmt.Errorf("%s has no function %q (functions: %s): %w", where, name, have, ErrFunctionNotFound)
	}
	props, _ := res.(*mapping).get("Properties")
	if props != nil {
		if _, ok := props.(*mapping); !ok {
			return Function{}, fmt.Errorf("%s: %s: Properties is not a mapping", where, name)
		}
	}
	var (
		f   Function
		err error
	)
	if typ == TypeServerlessFunction {
		f, err = serverlessFunction(name, mergeGlobals(t.globals, props))
	} else {
		f, err = lambdaFunction(name, props)
		if err == nil && f.InvokeMode == "" {
			f.InvokeMode = t.urlInvokeMode(name)
		}
	}
	if err != nil {
		return Function{}, fmt.Errorf("%s: %s: %w", where, name, err)
	}
	return f, nil
}

// urlInvokeMode finds an AWS::Lambda::Url resource whose target is the function (`!Ref Fn` or
// `!GetAtt Fn.Arn`) and returns its InvokeMode.
func (t *Template) urlInvokeMode(fn string) string {
	for _, k := range t.resources.keys {
		res := t.resources.vals[k]
		if resourceType(res) != typeLambdaURL {
			continue
		}
		props, _ := res.(*mapping).get("Properties")
		pm, _ := props.(*mapping)
		target, _ := pm.get("TargetFunctionArn")
		in, ok := target.(intrinsic)
		if !ok {
			continue
		}
		switch in.text {
		case "!Ref " + fn, "!GetAtt " + fn + ".Arn", "!GetAtt [" + fn + ", Arn]":
			mode, _ := pm.get("InvokeMode")
			s, _ := mode.(string)
			return s
		}
	}
	return ""
}

func resourceType(res value) string {
	m, ok := res.(*mapping)
	if !ok {
		return ""
	}
	typ, _ := m.get("Type")
	s, _ := typ.(string)
	return s
}
