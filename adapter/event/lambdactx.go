package event

import (
	"bytes"
	"encoding/json"
)

// LambdaContext is the x-amzn-lambda-context header: the invocation's context in the JSON shape AWS's
// Rust adapter sends (its lambda_runtime Context), so apps written for it read it unchanged:
//
//	{"request_id":"…","deadline":1700000000000,"invoked_function_arn":"…","xray_trace_id":"…"|null,
//	 "client_context":{…}|null,"identity":{"identityId":"…","identityPoolId":"…"}|null,
//	 "tenant_id":"…"|null,"env_config":{"function_name":"…","memory":128,"version":"…",
//	 "log_stream":"…","log_group":"…"}}
type LambdaContext struct {
	RequestID          string          `json:"request_id"`
	Deadline           int64           `json:"deadline"` // Unix epoch, milliseconds
	InvokedFunctionARN string          `json:"invoked_function_arn"`
	XRayTraceID        string          `json:"xray_trace_id"`  // null when empty
	ClientContext      json.RawMessage `json:"client_context"` // Lambda-Runtime-Client-Context, as received
	Identity           json.RawMessage `json:"identity"`       // Lambda-Runtime-Cognito-Identity, as received
	TenantID           string          `json:"tenant_id"`      // null when empty
	EnvConfig          EnvConfig       `json:"env_config"`
}

// EnvConfig is the function's configuration, from the Lambda environment, constant for a process.
type EnvConfig struct {
	FunctionName string `json:"function_name"` // AWS_LAMBDA_FUNCTION_NAME
	Memory       int    `json:"memory"`        // AWS_LAMBDA_FUNCTION_MEMORY_SIZE, MB
	Version      string `json:"version"`       // AWS_LAMBDA_FUNCTION_VERSION
	LogStream    string `json:"log_stream"`    // AWS_LAMBDA_LOG_STREAM_NAME
	LogGroup     string `json:"log_group"`     // AWS_LAMBDA_LOG_GROUP_NAME
}

// Marshal returns the header's JSON. It is built by appending, without reflection (about one
// allocation); client_context and identity, rare, are reshaped as the Rust adapter does, and null
// when absent or not valid JSON.
func (c *LambdaContext) Marshal() []byte {
	n := 320 + len(c.RequestID) + len(c.InvokedFunctionARN) + len(c.XRayTraceID) + len(c.TenantID) +
		len(c.EnvConfig.FunctionName) + len(c.EnvConfig.Version) + len(c.EnvConfig.LogStream) +
		len(c.EnvConfig.LogGroup) + 2*(len(c.ClientContext)+len(c.Identity))
	return c.AppendJSON(make([]byte, 0, n))
}

// AppendJSON appends the header's JSON to dst.
func (c *LambdaContext) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"request_id":`...)
	dst = appendString(dst, c.RequestID)
	dst = append(dst, `,"deadline":`...)
	dst = appendInt(dst, c.Deadline)
	dst = append(dst, `,"invoked_function_arn":`...)
	dst = appendString(dst, c.InvokedFunctionARN)
	dst = append(dst, `,"xray_trace_id":`...)
	dst = appendStringOrNull(dst, c.XRayTraceID)
	dst = append(dst, `,"client_context":`...)
	dst = appendClientContext(dst, c.ClientContext)
	dst = append(dst, `,"identity":`...)
	dst = appendIdentity(dst, c.Identity)
	dst = append(dst, `,"tenant_id":`...)
	dst = appendStringOrNull(dst, c.TenantID)
	dst = append(dst, `,"env_config":{"function_name":`...)
	dst = appendString(dst, c.EnvConfig.FunctionName)
	dst = append(dst, `,"memory":`...)
	dst = appendInt(dst, int64(c.EnvConfig.Memory))
	dst = append(dst, `,"version":`...)
	dst = appendString(dst, c.EnvConfig.Version)
	dst = append(dst, `,"log_stream":`...)
	dst = appendString(dst, c.EnvConfig.LogStream)
	dst = append(dst, `,"log_group":`...)
	dst = appendString(dst, c.EnvConfig.LogGroup)
	return append(dst, "}}"...)
}

// clientContext is the AWS Mobile SDK client context, read with the spellings Lambda and the SDKs
// use and written with the Rust runtime's (camelCase client fields, "environment").
type clientContext struct {
	Client struct {
		InstallationID  string `json:"installationId"`
		AppTitle        string `json:"appTitle"`
		AppVersionName  string `json:"appVersionName"`
		AppVersionCode  string `json:"appVersionCode"`
		AppPackageName  string `json:"appPackageName"`
		InstallationID2 string `json:"installation_id"`
		AppTitle2       string `json:"app_title"`
		AppVersionName2 string `json:"app_version_name"`
		AppVersionCode2 string `json:"app_version_code"`
		AppPackageName2 string `json:"app_package_name"`
	} `json:"client"`
	Custom      map[string]json.RawMessage `json:"custom"`
	Environment map[string]json.RawMessage `json:"environment"`
	Env         map[string]json.RawMessage `json:"env"`
}

func appendClientContext(dst []byte, raw json.RawMessage) []byte {
	if isNull(raw) {
		return append(dst, "null"...)
	}
	cc, err := parseClientContext(raw)
	if err != nil {
		return append(dst, "null"...)
	}
	c := cc.Client
	dst = append(dst, `{"client":{"installationId":`...)
	dst = appendString(dst, or(c.InstallationID, c.InstallationID2))
	dst = append(dst, `,"appTitle":`...)
	dst = appendString(dst, or(c.AppTitle, c.AppTitle2))
	dst = append(dst, `,"appVersionName":`...)
	dst = appendString(dst, or(c.AppVersionName, c.AppVersionName2))
	dst = append(dst, `,"appVersionCode":`...)
	dst = appendString(dst, or(c.AppVersionCode, c.AppVersionCode2))
	dst = append(dst, `,"appPackageName":`...)
	dst = appendString(dst, or(c.AppPackageName, c.AppPackageName2))
	dst = append(dst, `},"custom":`...)
	dst = appendRawMap(dst, cc.Custom)
	dst = append(dst, `,"environment":`...)
	if cc.Environment == nil {
		cc.Environment = cc.Env
	}
	dst = appendRawMap(dst, cc.Environment)
	return append(dst, '}')
}

func parseClientContext(raw []byte) (*clientContext, error) {
	cc := new(clientContext)
	return cc, json.Unmarshal(raw, cc)
}

// appendRawMap appends m with sorted keys ({} when nil).
func appendRawMap(dst []byte, m map[string]json.RawMessage) []byte {
	if len(m) == 0 {
		return append(dst, "{}"...)
	}
	b, err := json.Marshal(m) // sorted keys, values compacted
	if err != nil {
		return append(dst, "{}"...)
	}
	return append(dst, b...)
}

// identity is the Cognito identity, read with every spelling in use and written as the Rust runtime does.
type identity struct {
	IdentityID      string `json:"identityId"`
	IdentityPoolID  string `json:"identityPoolId"`
	CognitoID       string `json:"cognitoIdentityId"`
	CognitoPoolID   string `json:"cognitoIdentityPoolId"`
	SnakeIdentityID string `json:"identity_id"`
	SnakePoolID     string `json:"identity_pool_id"`
}

func appendIdentity(dst []byte, raw json.RawMessage) []byte {
	if isNull(raw) {
		return append(dst, "null"...)
	}
	id := new(identity)
	if json.Unmarshal(raw, id) != nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"identityId":`...)
	dst = appendString(dst, or(id.IdentityID, id.CognitoID, id.SnakeIdentityID))
	dst = append(dst, `,"identityPoolId":`...)
	dst = appendString(dst, or(id.IdentityPoolID, id.CognitoPoolID, id.SnakePoolID))
	return append(dst, '}')
}

// or returns the first non-empty string.
func or(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// isNull reports an absent or JSON null document.
func isNull(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}
