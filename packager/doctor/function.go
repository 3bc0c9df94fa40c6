package doctor

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/lwa-go/lwa/packager/samtemplate"
)

const execWrapper = "AWS_LAMBDA_EXEC_WRAPPER"

// checkBootstrap checks the exec wrapper's script: a layer zip must carry bootstrap (zip
// functions point AWS_LAMBDA_EXEC_WRAPPER at /opt/bootstrap); with /opt in view, the wrapper the
// configuration names must exist and be executable.
func checkBootstrap(t *Target, env map[string]string, f *findings) error {
	wrapper := "/opt/bootstrap"
	switch {
	case isLayer(t.Kind):
	case t.Opt != nil && strings.HasPrefix(env[execWrapper], "/opt/"):
		wrapper = env[execWrapper]
	default:
		return nil
	}
	name := strings.TrimPrefix(wrapper, "/opt/")
	info, _, err := statFile(t.Opt, name)
	if err != nil {
		return err
	}
	shown := wrapper
	if isLayer(t.Kind) {
		shown = name
	}
	fix := "rebuild the layer with `lwa-pack layer`: it holds bootstrap (0755), which execs the handler"
	switch {
	case info == nil:
		f.add("LWA006", fmt.Sprintf("%s does not exist in %s, and %s=%s names it", shown, t.Name, execWrapper, wrapper), fix)
	case info.Mode().Perm()&0o111 == 0 || !info.Mode().IsRegular():
		f.add("LWA007", fmt.Sprintf("%s has mode %v", shown, info.Mode()), fix)
	}
	return nil
}

// handlerFile is the file Lambda runs for a zip function: bootstrap for an OS-only runtime
// (provided.*), else the handler the exec wrapper starts. "" when it cannot be known.
func handlerFile(t *Target, fn *samtemplate.Function, env map[string]string) string {
	if fn != nil && strings.HasPrefix(fn.Runtime, "provided") {
		return "bootstrap"
	}
	if fn != nil && fn.Handler != "" {
		return fn.Handler
	}
	if h := env["_HANDLER"]; h != "" {
		return h
	}
	for _, guess := range []string{"run.sh", "bootstrap"} {
		if info, _, _ := statFile(t.Task, guess); info != nil {
			return guess
		}
	}
	return ""
}

// checkHandler checks the start script of a zip function: present, executable, a shebang, Unix
// line endings, and `exec` before the app so that SIGTERM reaches it.
func checkHandler(t *Target, file string, f *findings) error {
	name := path.Clean(strings.TrimPrefix(file, "/"))
	info, data, err := statFile(t.Task, name)
	if err != nil {
		return err
	}
	if info == nil {
		seen := fmt.Sprintf("the handler %s does not exist in %s", name, t.Name)
		fix := fmt.Sprintf("add %s to the function's code (its root is /var/task), or set the function's Handler to the start script's path", name)
		if nested := findBase(t.Task, path.Base(name)); nested != "" {
			seen += fmt.Sprintf(" (there is %s: the code sits in a folder inside the zip)", nested)
			fix = "zip the folder's contents, not the folder (`cd app && zip -r ../function.zip .`), or set the Handler to " + nested
		}
		f.add("LWA010", seen, fix)
		return nil
	}
	if info.Mode().Perm()&0o111 == 0 {
		f.add("LWA011", fmt.Sprintf("%s has mode %04o", name, info.Mode().Perm()),
			fmt.Sprintf("chmod 0755 %s before zipping (on Windows, `git update-index --chmod=+x %s` and zip on Linux, or build the zip in CI)", name, name))
	}
	if bytes.HasPrefix(data, []byte("\x7fELF")) {
		return nil
	}
	if !bytes.HasPrefix(data, []byte("#!")) {
		f.add("LWA012", fmt.Sprintf("%s starts with %q, not #!", name, firstLine(data)),
			fmt.Sprintf("make #!/bin/bash (or #!/bin/sh) the first line of %s", name))
	}
	if bytes.Contains(data, []byte("\r\n")) {
		f.add("LWA013", fmt.Sprintf("%s has CRLF line endings: the kernel looks for the interpreter %q", name, strings.TrimPrefix(firstLine(data), "#!")),
			fmt.Sprintf("convert %s to LF line endings (`sed -i 's/\\r$//' %s`; in git, `*.sh text eol=lf` in .gitattributes)", name, name))
		return nil
	}
	if shell := firstLine(data); strings.HasPrefix(shell, "#!") && strings.Contains(shell, "sh") {
		if last := lastCommand(data); last != "" && !execsApp(data) {
			f.add("LWA014", fmt.Sprintf("%s ends with %q: the shell stays the app's parent, so the SIGTERM Lambda sends at shutdown never reaches the app", name, last),
				fmt.Sprintf("start the app with exec: `exec %s`", last))
		}
	}
	return nil
}

func firstLine(data []byte) string {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	if len(line) > 80 {
		line = line[:80]
	}
	return string(line)
}

// execsApp reports whether a line of the script starts a program with exec (`exec > log` only
// redirects the shell's output and does not count). Any such line will do, so that a script
// choosing the app in an if/else is not flagged.
func execsApp(data []byte) bool {
	for _, l := range strings.Split(string(data), "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "exec ")
		if !ok {
			continue
		}
		rest = strings.TrimLeft(strings.TrimPrefix(strings.TrimSpace(rest), "--"), " ")
		if rest != "" && !strings.ContainsAny(rest[:1], "<>&0123456789") {
			return true
		}
	}
	return false
}

// lastCommand is the script's last line that is not blank or a comment.
func lastCommand(data []byte) string {
	lines := strings.Split(string(data), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}

// checkWrapper: a zip function on a managed runtime (python, node, java...) starts the adapter's
// app only through the exec wrapper; an OS-only runtime (provided.*) runs bootstrap itself.
func checkWrapper(t *Target, fn *samtemplate.Function, env map[string]string, f *findings) bool {
	if env[execWrapper] != "" {
		return true
	}
	runtime := ""
	if fn != nil {
		runtime = fn.Runtime
	}
	if strings.HasPrefix(runtime, "provided") {
		return true
	}
	if runtime == "" {
		if info, _, _ := statFile(t.Task, "bootstrap"); info != nil {
			return true // an OS-only runtime's bootstrap, most likely
		}
	}
	seen := execWrapper + " is not set"
	if runtime != "" {
		seen += " for the " + runtime + " runtime"
	}
	f.add("LWA015", seen+": Lambda runs the handler as a "+orDefault(runtime, "managed")+" handler and the app never starts",
		"set "+execWrapper+"=/opt/bootstrap in the function's environment and the handler to the start script (e.g. run.sh)")
	return false
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// checkZipSize compares a zip with Lambda's deployment package limits.
func checkZipSize(t *Target, l Limits, f *findings) {
	if t.ZipBytes > l.ZipBytes {
		f.add("LWA030", fmt.Sprintf("%s is %s zipped; a direct upload is limited to %s", t.Name, mb(t.ZipBytes), mb(l.ZipBytes)),
			"upload the zip to S3 and deploy from there (SAM and the CLI's --s3-bucket do it), or make the package smaller")
	}
	if t.UnzippedBytes > l.UnzippedBytes {
		f.add("LWA031", fmt.Sprintf("%s unzips to %s; a function with its layers is limited to %s unzipped", t.Name, mb(t.UnzippedBytes), mb(l.UnzippedBytes)),
			"make the package smaller, or ship the function as a container image (up to 10 GB)")
	}
}

func mb(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// findBase returns the shallowest file named base below the root, or "".
func findBase(fsys fs.FS, base string) string {
	found := ""
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || found != "" {
			return fs.SkipDir
		}
		if !d.IsDir() && d.Name() == base && p != base {
			found = p
			return fs.SkipAll
		}
		return nil
	})
	return found
}
