// Package examples holds the end-to-end tests of the example apps in its subdirectories (Express,
// Flask, FastAPI, nginx, Go net/http, an SQS worker). Each test builds the adapter layer with
// lwa-pack, lays the function out as Lambda does (/opt from the layer zip, /var/task the app) and runs
// it under the real Lambda Runtime Interface Emulator. Run them with `go test -tags e2e ./examples/`.
package examples
