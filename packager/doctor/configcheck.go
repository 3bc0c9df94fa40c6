package doctor

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/packager/samtemplate"
)

// checkConfig validates the function's environment with the adapter's own config code, so the
// messages are those the adapter would fail Init with, then looks for the settings that pass
// validation but do not work: unknown names, deprecated aliases, ports Lambda reserves, a
// readiness check on another port, compression with streaming, a Function URL invoke mode that
// disagrees with the adapter's.
func checkConfig(env map[string]string, fn *samtemplate.Function, f *findings) {
	lookupEnv := make(map[string]string, len(env)+1)
	for k, v := range env {
		lookupEnv[k] = v
	}
	if _, ok := lookupEnv["AWS_LAMBDA_RUNTIME_API"]; !ok {
		lookupEnv["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9001" // set by Lambda
	}
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	sort.Strings(names)
	cfg, warnings, err := config.FromEnv(config.MapLookup(lookupEnv))
	unknownText := map[string]bool{}
	for _, u := range config.UnknownVars(names) {
		unknownText[u.Warning()] = true
		if u.Removed {
			f.add("LWA042", fmt.Sprintf("%s=%s", u.Name, env[u.Name]), u.Warning())
			continue
		}
		fix := "remove " + u.Name
		if u.Suggestion != "" {
			fix = fmt.Sprintf("rename %s to %s", u.Name, u.Suggestion)
		}
		f.add("LWA041", u.Warning(), fix)
	}
	if err != nil {
		var ce *config.Error
		fix := "fix the value"
		if errors.As(err, &ce) {
			fix = fmt.Sprintf("set %s to %s", ce.Var, ce.Accepted)
		}
		f.add("LWA040", "the adapter would fail Init with: "+err.Error(), fix)
		return
	}
	classifyWarnings(warnings, unknownText, f)
	checkPorts(cfg, env, f)
	if fn != nil && fn.InvokeMode != "" && !strings.HasPrefix(fn.InvokeMode, "!") {
		url := strings.ToUpper(fn.InvokeMode)
		adapter := strings.ToUpper(string(cfg.InvokeMode))
		if url != adapter {
			f.add("LWA049", fmt.Sprintf("the Function URL's InvokeMode is %s; AWS_LWA_INVOKE_MODE is %s", url, cfg.InvokeMode),
				fmt.Sprintf("set AWS_LWA_INVOKE_MODE=%s, or the Function URL's InvokeMode to %s", strings.ToLower(url), adapter))
		}
	}
}

// classifyWarnings turns the adapter's start-up warnings into findings; the unknown-name ones
// are already reported.
func classifyWarnings(warnings []string, skip map[string]bool, f *findings) {
	for _, w := range warnings {
		switch {
		case skip[w]:
		case strings.Contains(w, " is deprecated: use "):
			old, replacement, _ := strings.Cut(w, " is deprecated: use ")
			f.add("LWA043", w, fmt.Sprintf("rename %s to %s", old, replacement))
		case strings.HasPrefix(w, "AWS_LWA_ENABLE_COMPRESSION has no effect"):
			f.add("LWA048", w, "remove AWS_LWA_ENABLE_COMPRESSION, or use AWS_LWA_INVOKE_MODE=buffered if compressed responses matter more than streaming")
		default:
			f.add("LWA050", w, "change the setting as the warning says")
		}
	}
}

func checkPorts(cfg config.Config, env map[string]string, f *findings) {
	switch {
	case cfg.Port == 9001:
		f.add("LWA044", "the app port is 9001: the Lambda Runtime API listens there, so the app cannot bind it",
			"set AWS_LWA_PORT (and the app's own port) to another port, e.g. 8080")
	case cfg.Port == 3000:
		f.add("LWA045", "the app port is 3000: the CloudWatch Lambda Insights extension listens there, so with it the app cannot bind it",
			"set AWS_LWA_PORT (and the app's own port) to another port, e.g. 8080")
	case cfg.Port < 1024:
		f.add("LWA046", fmt.Sprintf("the app port is %d: Lambda runs the app as a user that cannot bind ports below 1024", cfg.Port),
			"set AWS_LWA_PORT (and the app's own port) to 1024 or above, e.g. 8080")
	}
	_, pathSet := env["AWS_LWA_READINESS_CHECK_PATH"]
	if cfg.ReadinessCheckPort != cfg.Port && !pathSet && cfg.ReadinessCheckProtocol == config.ProtocolHTTP {
		f.add("LWA047", fmt.Sprintf("the readiness check probes port %d with GET /; the app listens on %d", cfg.ReadinessCheckPort, cfg.Port),
			"remove AWS_LWA_READINESS_CHECK_PORT (it defaults to the app's port); if a separate health server listens there, also set AWS_LWA_READINESS_CHECK_PATH to its path")
	}
}
