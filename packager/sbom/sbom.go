// Package sbom writes an SPDX 2.3 JSON software bill of materials for a Go binary from the build
// information the Go toolchain embeds in it (what `go version -m` prints): the main module, every
// dependency module with its version and go.sum hash, the Go version and the build settings.
//
// Documents are reproducible byte for byte: the creation time is given (SOURCE_DATE_EPOCH), every
// list is sorted, and the document namespace is derived from the document's own content.
package sbom

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/lwa-go/lwa/packager/output"
)

// MediaType is the IANA media type of an SPDX JSON document, used as the OCI artifact type.
const MediaType = "application/spdx+json"

// Options says what the build information cannot.
type Options struct {
	// Name names the document, e.g. "lambda-adapter 1.2.3 linux/amd64".
	Name string
	// FileName is the binary's file name in what ships (packageFileName), e.g. "lambda-adapter".
	FileName string
	// Version is the main module's version when the binary records none ("(devel)", as every build
	// from a checkout with -buildvcs=false does): the version the binary was stamped with.
	Version string
	// Created is the document's creation time; pass SOURCE_DATE_EPOCH for reproducible documents.
	Created time.Time
	// Tool names the creator, e.g. "lwa-pack-1.2.3".
	Tool string
	// License is the main module's declared license (an SPDX expression); empty: NOASSERTION.
	// Dependencies' licenses are not in the build information and stay NOASSERTION.
	License string
}

// Binary is what the document describes: a Go binary's build information and its bytes' digest.
type Binary struct {
	Info   *debug.BuildInfo
	SHA256 string // lower-case hex
}

// ReadBinary reads the build information embedded in the Go binary at path and digests its bytes.
func ReadBinary(path string) (Binary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Binary{}, fmt.Errorf("sbom: %w", err)
	}
	defer f.Close()
	info, err := buildinfo.Read(f)
	if err != nil {
		return Binary{}, fmt.Errorf("sbom: read the Go build information of %s: %w", path, err)
	}
	h := sha256.New()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Binary{}, fmt.Errorf("sbom: digest %s: %w", path, err)
	}
	if _, err := io.Copy(h, f); err != nil {
		return Binary{}, fmt.Errorf("sbom: digest %s: %w", path, err)
	}
	return Binary{Info: info, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// FromBytes reads the build information of a Go binary held in memory and digests it.
func FromBytes(data []byte) (Binary, error) {
	info, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		return Binary{}, fmt.Errorf("sbom: read the Go build information: %w", err)
	}
	sum := sha256.Sum256(data)
	return Binary{Info: info, SHA256: hex.EncodeToString(sum[:])}, nil
}

// ForBytes is FromBytes then Generate then JSON: the SBOM of a binary held in memory.
func ForBytes(data []byte, opts Options) ([]byte, error) {
	bin, err := FromBytes(data)
	if err != nil {
		return nil, err
	}
	doc, err := Generate(bin, opts)
	if err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	return doc.JSON()
}

// ForFile is ReadBinary then Generate then JSON: the SBOM of the binary at path.
func ForFile(path string, opts Options) ([]byte, error) {
	bin, err := ReadBinary(path)
	if err != nil {
		return nil, err
	}
	doc, err := Generate(bin, opts)
	if err != nil {
		return nil, fmt.Errorf("sbom: %s: %w", path, err)
	}
	return doc.JSON()
}

// Generate builds the document for bin.
func Generate(bin Binary, opts Options) (Document, error) {
	if err := opts.validate(); err != nil {
		return Document{}, err
	}
	bi := bin.Info
	if bi == nil || bi.Main.Path == "" {
		return Document{}, errors.New("the binary has no main module in its build information (built outside module mode?)")
	}
	if len(bin.SHA256) != sha256.Size*2 {
		return Document{}, fmt.Errorf("binary digest %q is not a hex SHA-256", bin.SHA256)
	}
	main := mainPackage(bi, bin.SHA256, opts)
	doc := Document{
		SPDXVersion: spdxVersion,
		DataLicense: dataLicense,
		SPDXID:      documentID,
		Name:        opts.Name,
		CreationInfo: CreationInfo{
			Created:  opts.Created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: " + opts.Tool},
		},
		Comment: "Generated from the Go build information embedded in " + opts.FileName +
			" (what `go version -m` prints).",
		Packages: []Package{main},
		Relationships: []Relationship{
			{SPDXElementID: documentID, RelationshipType: "DESCRIBES", RelatedSPDXElement: main.SPDXID},
		},
	}
	deps := []Package{stdlibPackage(bi.GoVersion)}
	for _, m := range bi.Deps {
		deps = append(deps, modulePackage(m))
	}
	slices.SortFunc(deps, func(a, b Package) int { return strings.Compare(a.SPDXID, b.SPDXID) })
	for _, d := range deps {
		doc.Packages = append(doc.Packages, d)
		doc.Relationships = append(doc.Relationships,
			Relationship{SPDXElementID: main.SPDXID, RelationshipType: "DEPENDS_ON", RelatedSPDXElement: d.SPDXID})
	}
	if err := doc.setNamespace(); err != nil {
		return Document{}, err
	}
	return doc, nil
}

func (o Options) validate() error {
	for name, v := range map[string]string{"Name": o.Name, "FileName": o.FileName, "Tool": o.Tool} {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("sbom options: %s is empty", name)
		}
	}
	if o.Created.IsZero() {
		return errors.New("sbom options: Created is zero: pass the SOURCE_DATE_EPOCH time")
	}
	return nil
}

// JSON is the document as indented JSON with a final newline.
func (d Document) JSON() ([]byte, error) {
	data, err := output.JSON(d)
	if err != nil {
		return nil, fmt.Errorf("sbom: encode: %w", err)
	}
	return data, nil
}

// namespaceBase prefixes every document namespace. SPDX requires a unique URI, not a reachable one
// (SPDX 2.3 §6.5).
const namespaceBase = "https://github.com/lwa-go/lwa/spdx/"

// setNamespace derives the namespace from the document's content without it, so equal documents
// get equal namespaces and any difference in content gives a different one.
func (d *Document) setNamespace() error {
	d.DocumentNamespace = ""
	data, err := d.JSON()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	d.DocumentNamespace = namespaceBase + spdxIDSafe(d.Name) + "-" + hex.EncodeToString(sum[:])
	return nil
}

// AdapterOptions are the options for the adapter binary of one platform, shared by `lwa-pack layer`
// and the release so that both write the same bytes for the same binary.
func AdapterOptions(version, platform string, created time.Time) Options {
	return Options{
		Name:     "lambda-adapter " + version + " " + platform,
		FileName: "lambda-adapter",
		Version:  version,
		Created:  created,
		Tool:     "lwa-pack-" + version,
		License:  "Apache-2.0",
	}
}
