package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"strings"
)

// h1Comment says what the Go module hash is, since SPDX checksums must be digests of the package's
// file and this one is not: it is the base64 SHA-256 of the module's "dirhash" (a list of the
// SHA-256 of every file in the module zip), exactly as go.sum and the Go checksum database record it.
const h1Comment = "go.sum hash of the module (h1: base64 SHA-256 of the module zip's dirhash, as in the Go checksum database); not a digest of a single file, so not an SPDX checksum"

// mainPackage is the binary's main module, with the binary's own digest as the package checksum:
// the binary is the file this package ships as.
func mainPackage(bi *debug.BuildInfo, binarySHA256 string, opts Options) Package {
	version := bi.Main.Version
	if version == "" || version == "(devel)" {
		version = moduleVersion(opts.Version)
	}
	var settings []string
	for _, s := range bi.Settings {
		settings = append(settings, s.Key+"="+s.Value)
	}
	comment := fmt.Sprintf("Go binary of main package %s, built with %s; build settings: %s",
		bi.Path, bi.GoVersion, strings.Join(settings, " "))
	if version != bi.Main.Version && bi.Main.Version != "" {
		comment += fmt.Sprintf("; the binary records the main module's version as %q, the version here is the one it was stamped with", bi.Main.Version)
	}
	p := Package{
		SPDXID:                "SPDXRef-Package-go-main-" + idFor(bi.Main.Path),
		Name:                  bi.Main.Path,
		VersionInfo:           version,
		PackageFileName:       opts.FileName,
		Supplier:              noAssertion,
		DownloadLocation:      noAssertion,
		Checksums:             []Checksum{{Algorithm: "SHA256", ChecksumValue: binarySHA256}},
		LicenseConcluded:      noAssertion,
		LicenseDeclared:       noAssertion,
		CopyrightText:         noAssertion,
		Comment:               comment,
		ExternalRefs:          []ExternalRef{purlRef(bi.Main.Path, version)},
		PrimaryPackagePurpose: "APPLICATION",
	}
	if opts.License != "" {
		p.LicenseDeclared = opts.License
	}
	return withSum(p, bi.Main.Sum)
}

// modulePackage is one dependency module. A replaced module is listed under its own path with
// what replaced it, since that is the code in the binary.
func modulePackage(m *debug.Module) Package {
	path, version, sum, comment := m.Path, m.Version, m.Sum, ""
	if r := m.Replace; r != nil {
		path, version, sum = r.Path, r.Version, r.Sum
		comment = fmt.Sprintf("go.mod replaces %s %s with %s %s", m.Path, m.Version, r.Path, r.Version)
	}
	p := Package{
		SPDXID:                "SPDXRef-Package-go-module-" + idFor(m.Path),
		Name:                  m.Path,
		VersionInfo:           version,
		Supplier:              noAssertion,
		DownloadLocation:      noAssertion,
		LicenseConcluded:      noAssertion,
		LicenseDeclared:       noAssertion,
		CopyrightText:         noAssertion,
		Comment:               comment,
		ExternalRefs:          []ExternalRef{purlRef(path, version)},
		PrimaryPackagePurpose: "LIBRARY",
	}
	return withSum(p, sum)
}

// stdlibPackage is the Go standard library the binary was linked with, named as syft and grype
// name it ("stdlib", purl version without the "go" prefix) so vulnerability scanners match it.
func stdlibPackage(goVersion string) Package {
	return Package{
		SPDXID:                "SPDXRef-Package-go-stdlib",
		Name:                  "stdlib",
		VersionInfo:           goVersion,
		Supplier:              noAssertion,
		DownloadLocation:      noAssertion,
		LicenseConcluded:      noAssertion,
		LicenseDeclared:       "BSD-3-Clause",
		CopyrightText:         noAssertion,
		Comment:               "the Go standard library of the toolchain that built the binary",
		ExternalRefs:          []ExternalRef{purlRef("stdlib", strings.TrimPrefix(goVersion, "go"))},
		PrimaryPackagePurpose: "LIBRARY",
	}
}

// withSum records a go.sum hash, if there is one, as an external reference (see h1Comment).
func withSum(p Package, sum string) Package {
	if sum != "" {
		p.ExternalRefs = append(p.ExternalRefs, ExternalRef{
			ReferenceCategory: "OTHER", ReferenceType: "go-module-sum", ReferenceLocator: sum, Comment: h1Comment,
		})
	}
	return p
}

// moduleVersion turns a release version ("1.2.3", as goreleaser and lwa-pack write it) into the
// main module's version at that tag ("v1.2.3").
func moduleVersion(v string) string {
	if v != "" && v[0] >= '0' && v[0] <= '9' {
		return "v" + v
	}
	return v
}

// purlRef is the package URL of a Go module: pkg:golang/<module path>@<version>. The path keeps its
// case (the purl spec asks for lower case, which would name a different module on the Go proxy;
// syft and govulncheck keep it too); the version is percent-encoded ("+incompatible").
func purlRef(path, version string) ExternalRef {
	loc := "pkg:golang/" + purlEscape(path, true)
	if version != "" {
		loc += "@" + purlEscape(version, false)
	}
	return ExternalRef{ReferenceCategory: "PACKAGE-MANAGER", ReferenceType: "purl", ReferenceLocator: loc}
}

func purlEscape(s string, keepSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_', c == '~':
			b.WriteByte(c)
		case c == '/' && keepSlash:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// idFor makes an SPDX identifier part from a module path: its letters, digits, dots and dashes,
// then a short hash of the whole path, so paths that differ only in other characters stay distinct.
func idFor(path string) string {
	sum := sha256.Sum256([]byte(path))
	return spdxIDSafe(path) + "-" + hex.EncodeToString(sum[:4])
}

// spdxIDSafe keeps what SPDX identifiers allow ([A-Za-z0-9.-]) and turns the rest into dashes.
func spdxIDSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '-'
	}, s)
}
