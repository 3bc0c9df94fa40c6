//go:build e2e

package local_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/internal/testenv"
)

// A SAM template read end to end: a zip function (run.sh through the adapter's wrapper, CodeUri
// next to the template) with Globals, variables, memory, timeout and a streaming function URL.
func TestE2ELocalSAMTemplate(t *testing.T) {
	dir := testenv.WorldDir(t)
	app := testenv.FreePort(t)
	if err := os.MkdirAll(filepath.Join(dir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nexec " + strings.Join(testenv.HTTPBin(t, app), " ") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "app", "run.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	tpl := `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 7
    MemorySize: 512
Resources:
  WebFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: app/
      Handler: run.sh
      Runtime: provided.al2023
      MemorySize: 256
      Environment:
        Variables:
          AWS_LAMBDA_EXEC_WRAPPER: /opt/bootstrap
          AWS_LWA_PORT: "` + itoa(app) + `"
      Layers:
        - !Sub arn:aws:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:26
      FunctionUrlConfig:
        AuthType: NONE
        InvokeMode: RESPONSE_STREAM
  Other:
    Type: AWS::SQS::Queue
`
	path := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(path, []byte(tpl), 0o644); err != nil {
		t.Fatal(err)
	}
	port := testenv.FreePort(t)
	r := startLocal(t, port, []string{"local", "--port", itoa(port), "--adapter-binary", bins.adapter,
		"--template", path, "--trigger", "function-url"}, nil)
	a := send(t, r.url, reqCase{method: "GET", target: "/anything/tpl"})
	if a.status != 200 {
		t.Fatalf("through the template's function: %d %s", a.status, a.body)
	}
	var echo struct {
		Headers map[string][]string `json:"headers"`
	}
	if err := json.Unmarshal(a.body, &echo); err != nil {
		t.Fatal(err)
	}
	var lc struct {
		Deadline  int64 `json:"deadline"`
		EnvConfig struct {
			FunctionName string `json:"function_name"`
			Memory       int    `json:"memory"`
		} `json:"env_config"`
	}
	if err := json.Unmarshal([]byte(strings.Join(echo.Headers["X-Amzn-Lambda-Context"], "")), &lc); err != nil {
		t.Fatalf("no Lambda context in the echo: %v\n%s", err, a.body)
	}
	if lc.EnvConfig.FunctionName != "WebFunction" || lc.EnvConfig.Memory != 256 {
		t.Fatalf("Lambda context %+v: want WebFunction, 256 MB from the template", lc)
	}
	r.waitLog(func(logs string) bool { return strings.Contains(logs, "REPORT RequestId:") })
	logs := r.logs.String()
	if !strings.Contains(logs, "Memory Size: 256 MB") || !strings.Contains(logs, "timeout=7s") || !strings.Contains(logs, "streaming=true") {
		t.Fatalf("the template's memory, Globals timeout or invoke mode were not applied:\n%s", logs)
	}

	_, stderr, err := runOnce(t, "", "local", "--port", itoa(testenv.FreePort(t)), "--adapter-binary", bins.adapter,
		"--template", path, "--function", "Api")
	if err == nil || !strings.Contains(stderr, `no function "Api"`) || !strings.Contains(stderr, "WebFunction") {
		t.Fatalf("a template without the function named: %v\n%s", err, stderr)
	}
}
