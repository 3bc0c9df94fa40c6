package config

import (
	"log/slog"
	"strings"
)

// readLogging reads the adapter's log level and format, as Lambda's advanced logging controls set
// them.
func readLogging(r *reader, c *Config) error {
	if v, name, ok := r.get(envLogLevel); ok {
		lvl, err := parseLogLevel(name, v)
		if err != nil {
			return err
		}
		c.LogLevel = lvl
	} else if v, _, ok := r.get(envRustLog); ok {
		// AWS's adapter falls back to RUST_LOG. It is not ours alone (a Rust app in the same
		// function reads it too), so a filter this adapter does not understand is left alone.
		if lvl, found := rustLogLevel(v); found {
			c.LogLevel = lvl
		}
	}
	return setVar(r, envLogFormat, &c.LogJSON, parseLogFormat)
}

func parseLogLevel(name, v string) (slog.Level, error) {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug, nil
	case "INFO":
		return slog.LevelInfo, nil
	case "WARN", "WARNING":
		return slog.LevelWarn, nil
	case "ERROR", "FATAL":
		return slog.LevelError, nil
	}
	return 0, &Error{Var: name, Value: v, Accepted: "TRACE, DEBUG, INFO, WARN, ERROR or FATAL"}
}

// rustLogLevel reads the level RUST_LOG gives AWS's adapter: a bare level ("debug"), or the
// directive for its crate ("lambda_web_adapter=debug") among others.
func rustLogLevel(v string) (slog.Level, bool) {
	level := ""
	for _, d := range strings.Split(v, ",") {
		d = strings.TrimSpace(d)
		if target, lvl, ok := strings.Cut(d, "="); ok {
			if strings.TrimSpace(target) == "lambda_web_adapter" {
				level = lvl
			}
		} else if level == "" {
			level = d
		}
	}
	if strings.EqualFold(strings.TrimSpace(level), "off") {
		return slog.LevelError, true
	}
	lvl, err := parseLogLevel(envRustLog, level)
	return lvl, err == nil
}

// parseLogFormat reports whether the format is JSON (else it is text).
func parseLogFormat(name, v string) (bool, error) {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "JSON":
		return true, nil
	case "TEXT":
		return false, nil
	}
	return false, &Error{Var: name, Value: v, Accepted: "JSON or Text"}
}
