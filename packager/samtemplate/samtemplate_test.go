package samtemplate

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFunction(t *testing.T) {
	tests := []struct {
		file, name string
		want       Function
	}{
		{"zip-streaming.yaml", "", Function{
			Name: "FastAPIFunction", Handler: "run.sh", Runtime: "python3.12", PackageType: "Zip",
			CodeURI: "app/", Timeout: 60 * time.Second, MemorySize: 256,
			Environment: map[string]string{
				"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap", "AWS_LWA_INVOKE_MODE": "response_stream", "PORT": "8000",
			},
			InvokeMode: "RESPONSE_STREAM",
			Layers:     []string{"!Sub arn:aws:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:26"},
			Unresolved: []string{"Layers[0]: !Sub arn:aws:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:26"},
		}},
		{"image.yaml", "ExpressFunction", Function{
			Name: "ExpressFunction", PackageType: "Image", Timeout: 29 * time.Second, MemorySize: 1024,
			Architectures: []string{"arm64"}, Environment: map[string]string{"RUST_LOG": "info"},
		}},
		{"globals.yaml", "Api", Function{
			Name: "Api", Handler: "run.sh", Runtime: "nodejs22.x", PackageType: "Zip", CodeURI: "api/",
			Timeout: 30 * time.Second, Architectures: []string{"arm64"},
			Environment: map[string]string{
				"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap", "AWS_LWA_PORT": "8080", "SHARED": "local",
				"AWS_LWA_READINESS_CHECK_PATH": "/healthz", "DEBUG": "true",
			},
			Layers: []string{"!Ref AdapterLayer", "arn:aws:lambda:us-east-1:123456789012:layer:extra:3"},
			Unresolved: []string{
				"MemorySize: !If [IsProd, 2048, 128]",
				"Layers[0]: !Ref AdapterLayer",
			},
		}},
		{"globals.yaml", "Worker", Function{
			Name: "Worker", Handler: "run.sh", Runtime: "nodejs22.x", PackageType: "Zip",
			CodeURI: "s3://my-bucket/worker.zip", Timeout: 900 * time.Second, MemorySize: 512,
			Architectures: []string{"arm64"},
			Environment: map[string]string{
				"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap", "AWS_LWA_PORT": "8080", "SHARED": "global",
				"TABLE": "!Ref Table",
			},
			Layers:     []string{"!Ref AdapterLayer"},
			Unresolved: []string{"Environment.Variables.TABLE: !Ref Table", "Layers[0]: !Ref AdapterLayer"},
		}},
		{"cfn.yaml", "", Function{
			Name: "Web", Handler: "bootstrap", Runtime: "provided.al2023", PackageType: "Zip",
			CodeURI: "s3://artifacts/web.zip", Timeout: 15 * time.Second, MemorySize: 1024,
			Architectures: []string{"x86_64"},
			Environment: map[string]string{
				"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap", "AWS_LWA_INVOKE_MODE": "response_stream",
			},
			InvokeMode: "RESPONSE_STREAM",
			Layers:     []string{"!Sub arn:aws:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:26"},
			Unresolved: []string{"Layers[0]: !Sub arn:aws:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:26"},
		}},
		{"template.json", "", Function{
			Name: "Fn", PackageType: "Image",
			ImageURI:    "!Sub ${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app:latest",
			Environment: map[string]string{"AWS_LWA_PORT": "8000"},
			Unresolved:  []string{"ImageUri: !Sub ${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app:latest"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.name, func(t *testing.T) {
			tpl, err := Load(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpl.Function(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Function(%q)\n got %#v\nwant %#v", tt.name, got, tt.want)
			}
		})
	}
}

func TestArchitectureDefault(t *testing.T) {
	if got := (Function{}).Architecture(); got != "x86_64" {
		t.Errorf("default architecture %q, want x86_64 (Lambda's default)", got)
	}
	if got := (Function{Architectures: []string{"arm64"}}).Architecture(); got != "arm64" {
		t.Errorf("architecture %q, want arm64", got)
	}
}

func TestFunctionErrors(t *testing.T) {
	tests := []struct {
		file, name string
		is         error
		want       string
	}{
		{"globals.yaml", "", ErrAmbiguous, "testdata/globals.yaml has 2 functions (Api, Worker): several functions; choose one with --function"},
		{"globals.yaml", "Web", ErrFunctionNotFound, `testdata/globals.yaml has no function "Web" (functions: Api, Worker): function not found`},
		{"globals.yaml", "Table", ErrFunctionNotFound, `testdata/globals.yaml has no function "Table" (functions: Api, Worker): function not found`},
	}
	for _, tt := range tests {
		tpl, err := Load(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = tpl.Function(tt.name)
		if !errors.Is(err, tt.is) || err.Error() != tt.want {
			t.Errorf("Function(%q) error\n got %v\nwant %s", tt.name, err, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"no functions", "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n", "has no AWS::Serverless::Function or AWS::Lambda::Function resource"},
		{"unknown tag", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: !Foo x\n", "line 5: unknown tag !Foo"},
		{"bad yaml", "Resources: [\n", "parse YAML"},
		{"no resources", "Description: x\n", "no Resources mapping"},
		{"not a mapping", "- a\n- b\n", "the top level is not a mapping"},
		{"bad timeout", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Timeout: soon\n", `F: Timeout "soon" is not a whole number`},
		{"env list", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Environment:\n        Variables: [A]\n", "F: property Environment: Variables must be a mapping"},
		{"handler list", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: [a]\n", "F: Handler must be a single value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "template.yaml")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			tpl, err := Load(path)
			if err == nil {
				_, err = tpl.Function("")
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want one naming %s and containing %q", err, path, tt.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("error %v, want a not-exist error naming the file", err)
	}
}

// A YAML anchor merged into a function (a common way to share settings without Globals).
func TestMergeKeyAndAnchors(t *testing.T) {
	text := `
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      <<: &common
        Runtime: provided.al2023
        Handler: bootstrap
      Handler: run.sh
      Environment:
        Variables: &vars
          AWS_LWA_PORT: "8081"
`
	tpl, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	f, err := tpl.Function("F")
	if err != nil {
		t.Fatal(err)
	}
	if f.Runtime != "provided.al2023" || f.Handler != "run.sh" || f.Environment["AWS_LWA_PORT"] != "8081" {
		t.Errorf("got %+v", f)
	}
}
