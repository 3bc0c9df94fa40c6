// Package adapter is the Lambda Web Adapter: it registers as an external extension, waits until the
// web app is ready, then polls the Runtime API and forwards each invocation to the app over HTTP.
//
// Where each stage lives (docs/architecture.md has the whole module's map):
//
//	main.go       Main: configuration, registration, Run, Init failures reported
//	lifecycle.go  Run: readiness, SnapStart, the runtime loops, SHUTDOWN, drain, the stop cause
//	invoke.go     the pipeline of one invocation: next → decode → request → send → encode → respond
//	request.go    request: the event becomes the app's request
//	app.go        send: the round trip to the app
//	buffered.go   encode, respond: the whole answer, encoded for the trigger, posted
//	stream.go     respondStreamed: the answer streamed, failures as trailers
//	hooks.go      the SnapStart hooks and their guard
//	errors.go     the error types posted to Lambda
//
// The packages it uses: config (environment), readiness (the readiness check), event (payload ↔
// HTTP, pure), compress, lambdaapi (Runtime and Extensions API clients) and internal/h1 (the HTTP/1.1
// client). The process's runtime tuning is cmd/lambda-adapter's, never this package's.
package adapter
