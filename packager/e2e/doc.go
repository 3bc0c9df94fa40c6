// Package e2e holds lwa-pack's end-to-end tests, behind the build tag e2e: they build the real
// lwa-pack binary, run it as a user would, and check what it makes with unzip, file, debug/elf,
// qemu-user-static, crane, skopeo, a real registry (Debian's docker-registry) and the Lambda
// Runtime Interface Emulator. Run them with `go test -tags e2e ./packager/e2e/`.
package e2e
