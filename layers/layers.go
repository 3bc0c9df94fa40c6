// Package layers holds the files that go into a Lambda layer besides the adapter binary, embedded so
// that lwa-pack carries them wherever it is installed.
package layers

import (
	"bytes"
	_ "embed"
)

//go:embed bootstrap
var bootstrap []byte

//go:embed template.yaml
var samTemplate []byte

// VersionToken stands in template.yaml for the version in the layer zips' names; lwa-pack replaces it.
const VersionToken = "@VERSION@"

// Bootstrap returns the zip-function wrapper script that lands at /opt/bootstrap; functions use it
// through AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap.
func Bootstrap() []byte { return bytes.Clone(bootstrap) }

// SAMTemplate returns the AWS SAM template that publishes the two layer zips, one layer per
// architecture, with every VersionToken replaced by version.
func SAMTemplate(version string) []byte {
	return bytes.ReplaceAll(samTemplate, []byte(VersionToken), []byte(version))
}
