package doctor

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// checkImage checks what Lambda requires of a function image: one platform's manifest, of the
// function's architecture, something to run, the adapter runnable by the image's user, and the
// size limit. lwa-pack's adapter image is a copy source, not a function: only its size and
// platform are checked.
func checkImage(t *Target, arch string, root fs.FS, l Limits, f *findings) {
	im := t.Image
	if im.Index && !im.AdapterOnly {
		f.add("LWA020", fmt.Sprintf("%s is an image index (%s): Lambda refuses indexes for functions", t.Name, strings.Join(im.Platforms, ", ")),
			"deploy one platform's image: its digest from the index (`crane digest --platform linux/arm64 IMAGE`), or build it alone (`lwa-pack image --base IMAGE --platform linux/arm64`)")
	}
	if arch != "" && im.Arch != arch {
		f.add("LWA021", fmt.Sprintf("the image is %s; the function runs on %s", im.Platform, arch),
			fmt.Sprintf("build the image for %s, or set the function's architecture to %s", goPlatform(arch), im.Arch))
	}
	if !im.AdapterOnly && len(im.Config.Entrypoint) == 0 && len(im.Config.Cmd) == 0 {
		f.add("LWA022", "the image config has neither Entrypoint nor Cmd: Lambda has nothing to start",
			"add `CMD [\"your-app\"]` (or ENTRYPOINT) to the Dockerfile: the app's start command, with the adapter in /opt/extensions")
	}
	if im.CompressedBytes > l.ImageBytes {
		f.add("LWA024", fmt.Sprintf("the image's layers are %s compressed; Lambda's limit is %s uncompressed", mb(im.CompressedBytes), mb(l.ImageBytes)),
			"make the image smaller: a slimmer base, a multi-stage build, fewer files")
	}
	if !im.AdapterOnly {
		checkUserAccess(im.Config.User, root, f)
	}
}

// checkUserAccess checks that the image's user can list /opt/extensions and execute the adapter
// (the path's directories searchable, the file executable), by the owner, group and other bits
// of the layers' entries.
func checkUserAccess(user string, root fs.FS, f *findings) {
	uid, gid, known := resolveUser(user, root)
	if !known || uid == 0 {
		return // root passes permission checks; an unknown user is noted by the caller
	}
	need := []struct {
		path string
		bits fs.FileMode // r=4 w=2 x=1, per class
		what string
	}{
		{"opt", 1, "search"},
		{"opt/extensions", 5, "list"},
		{"opt/extensions/lambda-adapter", 1, "execute"},
	}
	for _, n := range need {
		info, err := fs.Stat(root, n.path)
		if err != nil {
			return // missing: LWA001 says so
		}
		owner, group := 0, 0
		if h, ok := info.Sys().(*tar.Header); ok {
			owner, group = h.Uid, h.Gid
		}
		perm := info.Mode().Perm()
		var have fs.FileMode
		switch {
		case owner == uid:
			have = perm >> 6 & 7
		case group == gid:
			have = perm >> 3 & 7
		default:
			have = perm & 7
		}
		if have&n.bits != n.bits {
			f.add("LWA023", fmt.Sprintf("the image's user %q (uid %d, gid %d) cannot %s /%s (mode %04o, owner %d:%d)", user, uid, gid, n.what, n.path, perm, owner, group),
				fmt.Sprintf("make /%s world-%s: `RUN chmod %s /%s` before USER, or COPY it with --chmod=0755", n.path, map[string]string{"search": "searchable", "list": "readable", "execute": "executable"}[n.what], "0755", n.path))
			return
		}
	}
}

// resolveUser reads USER as Docker does: uid[:gid] or name[:group], a name looked up in
// /etc/passwd. known is false when a name is not in the image's /etc/passwd.
func resolveUser(user string, root fs.FS) (uid, gid int, known bool) {
	name, group, _ := strings.Cut(user, ":")
	if name == "" || name == "root" {
		return 0, 0, true
	}
	if n, err := strconv.Atoi(name); err == nil {
		uid, gid = n, n
		if g, err := strconv.Atoi(group); err == nil {
			gid = g
		}
		return uid, gid, true
	}
	data, err := fs.ReadFile(root, "etc/passwd")
	if err != nil {
		return 0, 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) >= 4 && fields[0] == name {
			u, err1 := strconv.Atoi(fields[2])
			g, err2 := strconv.Atoi(fields[3])
			if err1 == nil && err2 == nil {
				if gg, err := strconv.Atoi(group); err == nil {
					g = gg
				}
				return u, g, true
			}
		}
	}
	return 0, 0, false
}

// needsPasswd reports whether USER names a user to look up in /etc/passwd.
func needsPasswd(user string) bool {
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "root" {
		return false
	}
	_, err := strconv.Atoi(name)
	return err != nil
}
