package doctor

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"io/fs"
	"strings"

	"github.com/lwa-go/lwa/packager/build"
)

// adapterPath is the adapter's path under /opt: Lambda starts every executable in
// /opt/extensions, and registers it under its file name.
const adapterPath = "extensions/lambda-adapter"

// adapterModule is the import path the adapter's main package is built from.
const adapterModule = "github.com/lwa-go/lwa/adapter/cmd/lambda-adapter"

// AdapterInfo is what the report says about the adapter binary found.
type AdapterInfo struct {
	Path         string `json:"path"`
	Architecture string `json:"architecture,omitempty"`
	Version      string `json:"version,omitempty"`
}

// checkAdapter checks /opt/extensions/lambda-adapter: present, executable, a static ELF for
// arch ("" when no architecture is known), built by lwa-pack. A binary that is not a static ELF
// gets only that finding: its architecture and version would not matter.
func checkAdapter(t *Target, arch string, f *findings) (*AdapterInfo, error) {
	info, data, err := statFile(t.Opt, adapterPath)
	if err != nil {
		return nil, err
	}
	shown := "/opt/" + adapterPath
	if isLayer(t.Kind) {
		shown = adapterPath
	}
	if info == nil {
		f.add("LWA001", shown+" does not exist in "+t.Name, addAdapterFix(t.Kind))
		return nil, nil
	}
	ai := &AdapterInfo{Path: shown}
	if !info.Mode().IsRegular() {
		f.add("LWA002", fmt.Sprintf("%s is a %s, not a regular file", shown, typeName(info.Mode())), addAdapterFix(t.Kind))
		return ai, nil
	}
	if info.Mode().Perm()&0o111 == 0 {
		f.add("LWA002", fmt.Sprintf("%s has mode %04o: Lambda cannot start it", shown, info.Mode().Perm()), chmodFix(t.Kind, shown))
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		f.add("LWA003", fmt.Sprintf("%s is not an ELF executable (%v)", shown, err), addAdapterFix(t.Kind))
		return ai, nil
	}
	if why := dynamic(ef); why != "" {
		f.add("LWA003", fmt.Sprintf("%s is dynamically linked (%s): Lambda's environment may lack its loader and libraries", shown, why),
			"use a static adapter: `lwa-pack layer` or `lwa-pack image` build one (CGO_ENABLED=0)")
		return ai, nil
	}
	ai.Architecture = elfArch(ef)
	if arch != "" && ai.Architecture != arch {
		f.add("LWA004", fmt.Sprintf("%s is built for %s; the function runs on %s", shown, ai.Architecture, arch),
			fmt.Sprintf("use the %s adapter: `lwa-pack layer --platform %s` or `lwa-pack image --platform %s`", arch, goPlatform(arch), goPlatform(arch)))
	}
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil || bi.Path != adapterModule {
		seen := shown + " has no Go build information"
		if err == nil {
			seen = fmt.Sprintf("%s was built from %s, not %s", shown, bi.Path, adapterModule)
		}
		f.add("LWA005", seen+": its version is unknown and its settings may differ from those checked here (AWS's Rust adapter is a different program)",
			"package the adapter with `lwa-pack layer` or `lwa-pack image`")
		return ai, nil
	}
	ai.Version = stampedVersion(data)
	if ai.Version == "" {
		ai.Version = moduleVersion(bi)
	}
	return ai, nil
}

// stampedVersion is the release version stamped into the binary behind build.VersionMarker, ""
// when there is none (an adapter built without lwa-pack's, the Makefile's or the release's flags).
// Go leaves -ldflags out of the build info under -trimpath, so the stamp carries its own marker
// and a ';' to end it. An unstamped build may still hold the default "dev" stamp beside the real
// one, so a real one wins.
func stampedVersion(data []byte) string {
	found := ""
	for rest := data; ; {
		i := bytes.Index(rest, []byte(build.VersionMarker))
		if i < 0 {
			return found
		}
		rest = rest[i+len(build.VersionMarker):]
		end := bytes.IndexByte(rest, ';')
		if end <= 0 || end > 128 || !printableVersion(rest[:end]) {
			continue
		}
		if v := string(rest[:end]); found == "" || found == "dev" {
			found = v
		}
	}
}

// printableVersion: a version or tag as stamped, never the bytes that follow an unrelated string.
func printableVersion(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// moduleVersion is the version of github.com/lwa-go/lwa the binary was built from, as Go's build
// info records it: the main module's version, or the dependency's when lwa-pack fetched the
// adapter at a release; "devel" for a build from a checkout. Used when the binary has no stamp.
func moduleVersion(bi *buildinfo.BuildInfo) string {
	const mod = "github.com/lwa-go/lwa"
	v := ""
	if bi.Main.Path == mod {
		v = bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == mod {
			v = d.Version
		}
	}
	if v == "" || v == "(devel)" {
		return "devel"
	}
	return v
}

func dynamic(ef *elf.File) string {
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			return "it has a program interpreter"
		}
	}
	if libs, err := ef.ImportedLibraries(); err == nil && len(libs) > 0 {
		return "it needs " + strings.Join(libs, ", ")
	}
	return ""
}

func elfArch(ef *elf.File) string {
	switch ef.Machine {
	case elf.EM_X86_64:
		return "x86_64"
	case elf.EM_AARCH64:
		return "arm64"
	}
	return strings.ToLower(strings.TrimPrefix(ef.Machine.String(), "EM_"))
}

func goPlatform(arch string) string {
	if arch == "x86_64" {
		return "linux/amd64"
	}
	return "linux/" + arch
}

func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "directory"
	}
	return "special file"
}

func addAdapterFix(k Kind) string {
	switch k {
	case KindLayerZip, KindLayerDir:
		return "rebuild the layer with `lwa-pack layer`: it holds extensions/lambda-adapter (0755) and bootstrap"
	case KindImage:
		return "add the adapter: `lwa-pack image --base IMAGE`, or in the Dockerfile `COPY --from=ADAPTER_IMAGE /lambda-adapter /opt/extensions/lambda-adapter`"
	}
	return "add the adapter layer (from `lwa-pack layer`) to the function, unpacked under /opt"
}

func chmodFix(k Kind, path string) string {
	switch k {
	case KindLayerZip, KindLayerDir:
		return "rebuild the layer with `lwa-pack layer` (it stores mode 0755), or `chmod 0755 extensions/lambda-adapter` and zip again on Linux or macOS"
	case KindImage:
		return "`COPY --chmod=0755` the adapter, or `RUN chmod 0755 /opt/extensions/lambda-adapter`"
	}
	return "chmod 0755 " + path
}

func isLayer(k Kind) bool { return k == KindLayerZip || k == KindLayerDir }
