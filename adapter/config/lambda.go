package config

import (
	"strconv"
	"strings"
)

// readLambdaAPIs reads where the Lambda Runtime and Extensions APIs are: Lambda sets the address,
// and a Runtime API proxy may stand in front of the Runtime API.
func readLambdaAPIs(r *reader, c *Config) error {
	v, name, ok := r.get(envRuntimeAPI)
	if !ok {
		return &Error{Var: name, Value: "", Accepted: "host:port of the Lambda Runtime API (set by Lambda)"}
	}
	api, err := parseHostPort(name, v)
	if err != nil {
		return err
	}
	c.ExtensionsAPI, c.RuntimeAPI = api, api
	return setVar(r, envRuntimeAPIProxy, &c.RuntimeAPI, parseProxy)
}

// parseProxy is the Runtime API proxy's address. AWS's adapter documents both 127.0.0.1:9002 and
// http://127.0.0.1:9002.
func parseProxy(name, v string) (string, error) {
	hp := strings.TrimSpace(v)
	if len(hp) >= 7 && strings.EqualFold(hp[:7], "http://") {
		hp = strings.TrimSuffix(hp[7:], "/")
	}
	proxy, err := parseHostPort(name, hp)
	if err != nil {
		return "", &Error{Var: name, Value: v, Accepted: "host:port or http://host:port, with a port from 1 to 65535"}
	}
	return proxy, nil
}

// readPool reads how the adapter connects to the app and how many invocations it serves at once.
func readPool(r *reader, c *Config) error {
	if err := setVar(r, envPoolIdleTimeout, &c.PoolIdleTimeout, parseSecondsOrZero); err != nil {
		return err
	}
	// Lambda may add initialization types; an unknown one must not stop a function from starting.
	c.InitializationType = r.value(envInitType)
	// Connections captured in a snapshot are dead after restore, so SnapStart never pools.
	c.PoolEnabled = c.PoolIdleTimeout > 0 && !c.SnapStart()
	return setVar(r, envMaxConcurrency, &c.MaxConcurrency, parseConcurrency)
}

func parseConcurrency(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > 1024 {
		return 0, &Error{Var: name, Value: v, Accepted: "an integer from 1 to 1024"}
	}
	return n, nil
}

// readFunction reads what Lambda says about the function, for x-amzn-lambda-context. Lambda sets
// these and they are informational only, so nothing here fails: a memory size that is not a number
// is reported as 0.
func readFunction(r *reader, c *Config) error {
	c.FunctionName = r.value(envFunctionName)
	c.FunctionVersion = r.value(envFunctionVer)
	c.LogStreamName = r.value(envLogStream)
	c.LogGroupName = r.value(envLogGroup)
	if v, _, ok := r.get(envMemorySize); ok {
		c.MemorySizeMB, _ = strconv.Atoi(v)
	}
	return nil
}
