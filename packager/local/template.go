package local

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lwa-go/lwa/packager/samtemplate"
)

// ApplyTemplate fills in what the flags left unset from a SAM template's function: timeout,
// memory size, name, and for a zip function with no command, its handler run through the
// adapter's wrapper from CodeUri (relative to the template's directory dir). It returns the
// function's variables (with AWS_LWA_INVOKE_MODE=response_stream when its function URL streams)
// and warnings worth showing.
func ApplyTemplate(o *Options, fn samtemplate.Function, dir string) (map[string]string, []string, error) {
	var warnings []string
	for _, u := range fn.Unresolved {
		warnings = append(warnings, "the template's "+u+" is an intrinsic function, kept as text")
	}
	if o.Timeout == 0 {
		o.Timeout = fn.Timeout
	}
	if o.MemoryMB == 0 {
		o.MemoryMB = fn.MemorySize
	}
	if o.FunctionName == "" {
		o.FunctionName = fn.Name
	}
	env := map[string]string{}
	for k, v := range fn.Environment {
		env[k] = v
	}
	if strings.EqualFold(fn.InvokeMode, "RESPONSE_STREAM") {
		if _, set := env["AWS_LWA_INVOKE_MODE"]; !set {
			env["AWS_LWA_INVOKE_MODE"] = "response_stream"
		}
	}
	if len(o.Command) > 0 || o.Handler != "" {
		return env, warnings, nil
	}
	if strings.EqualFold(fn.PackageType, "Image") {
		return nil, nil, fmt.Errorf("function %s is an image function: give the command that starts the app after --, "+
			"e.g. lwa-pack local --template template.yaml -- node server.js", fn.Name)
	}
	if env["AWS_LAMBDA_EXEC_WRAPPER"] != "/opt/bootstrap" || fn.Handler == "" {
		return nil, nil, fmt.Errorf("function %s does not start the app through the adapter's wrapper "+
			"(Handler %q, AWS_LAMBDA_EXEC_WRAPPER %q, want a start script and /opt/bootstrap): "+
			"give the command that starts the app after --", fn.Name, fn.Handler, env["AWS_LAMBDA_EXEC_WRAPPER"])
	}
	o.Handler = fn.Handler
	if o.TaskRoot == "" || o.TaskRoot == "." {
		root := filepath.Join(dir, fn.CodeURI)
		if st, err := os.Stat(root); err != nil || !st.IsDir() {
			return nil, nil, fmt.Errorf("function %s: CodeUri %s is not a directory next to the template (%s): "+
				"give --task-root or the command after --", fn.Name, fn.CodeURI, root)
		}
		o.TaskRoot = root
	}
	if !hasAdapterLayer(fn.Layers) {
		warnings = append(warnings, "function "+fn.Name+" lists no Lambda Web Adapter layer in Layers; it runs here with the adapter anyway")
	}
	return env, warnings, nil
}

func hasAdapterLayer(layers []string) bool {
	for _, l := range layers {
		ll := strings.ToLower(l)
		if strings.Contains(ll, "adapter") || strings.Contains(ll, "lwa") {
			return true
		}
	}
	return false
}
