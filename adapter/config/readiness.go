package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/lwa-go/lwa/adapter/internal/httpsyntax"
)

// readReadiness reads how the adapter knows the app is ready: where and how it probes, what counts
// as healthy, how long it waits and whether Init waits at all.
func readReadiness(r *reader, c *Config) error {
	c.ReadinessCheckPort = c.Port // the app's port unless set
	if err := setVar(r, envReadinessPort, &c.ReadinessCheckPort, parsePort); err != nil {
		return err
	}
	if err := setVar(r, envReadinessPath, &c.ReadinessCheckPath, parseReadinessPath); err != nil {
		return err
	}
	if err := setVar(r, envReadinessProtocol, &c.ReadinessCheckProtocol,
		parseChoice("http or tcp (any case)", ProtocolHTTP, ProtocolTCP)); err != nil {
		return err
	}
	if err := readHealthyStatus(r, c); err != nil {
		return err
	}
	if err := setVar(r, envReadinessTimeout, &c.ReadinessCheckTimeout, parseReadinessTimeout); err != nil {
		return err
	}
	return setVar(r, envAsyncInit, &c.AsyncInit, parseBool)
}

// readHealthyStatus reads the statuses that make the app ready: AWS_LWA_READINESS_CHECK_HEALTHY_STATUS,
// else the Rust adapter's older form, kept so its users switch without edits, with a warning that
// gives its replacement.
func readHealthyStatus(r *reader, c *Config) error {
	var err error
	if v, name, ok := r.get(envHealthyStatus); ok {
		c.HealthyStatus, err = parseStatusVar(name, v)
		return err
	}
	v, name, ok := r.get(envMinUnhealthyStatus)
	if !ok {
		return nil
	}
	if c.HealthyStatus, err = parseMinUnhealthy(name, v); err != nil {
		return err
	}
	r.warnf("%s is deprecated: use %s=100-%d", name, envHealthyStatus, c.HealthyStatus[0].Hi)
	return nil
}

// parseMinUnhealthy reads the first unhealthy status: healthy is 100 up to (not including) it.
func parseMinUnhealthy(name, v string) (StatusSet, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 101 || n > 600 {
		return nil, &Error{Var: name, Value: v, Accepted: "a status code from 101 to 600 (healthy is 100 up to it, exclusive)"}
	}
	return StatusSet{{100, n - 1}}, nil
}

// parseReadinessPath is a path with an optional query ("/health?deep=1"), sent as it is.
func parseReadinessPath(name, v string) (string, error) {
	p, q, _ := strings.Cut(v, "?")
	if _, err := parsePath(name, p); err != nil || strings.ContainsAny(q, " #") || httpsyntax.HasControl(q) {
		return "", &Error{Var: name, Value: v, Accepted: "a URL path starting with /, with an optional ?query (no spaces or #)"}
	}
	return v, nil
}

// parseReadinessTimeout is a positive number of seconds; 0 or a negative number means no bound
// (0), as AWS's adapter documents it. What is not a number fails.
func parseReadinessTimeout(name, v string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f <= 0 {
		return 0, nil
	}
	return parsePositiveSeconds(name, v)
}
