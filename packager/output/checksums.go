package output

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SHA256 returns the hex SHA-256 of data.
func SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ChecksumsFile is the name of the checksums file, in the format sha256sum -c reads.
const ChecksumsFile = "SHA256SUMS"

// UpdateChecksums writes dir/SHA256SUMS with sums (file name to hex SHA-256), keeping the lines of
// an existing file for other names whose files are still in dir, so runs that each build one
// platform add up to one file. Lines are sorted by name.
func UpdateChecksums(dir string, sums map[string]string) (string, error) {
	path := filepath.Join(dir, ChecksumsFile)
	merged := map[string]string{}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			sum, name, ok := strings.Cut(sc.Text(), "  ")
			if !ok || len(sum) != 64 || !filepath.IsLocal(name) {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				merged[name] = sum
			}
		}
		f.Close()
	}
	for name, sum := range sums {
		merged[name] = sum
	}
	names := make([]string, 0, len(merged))
	for name := range merged {
		names = append(names, name)
	}
	slices.Sort(names)
	err := WriteFile(path, 0o644, func(w io.Writer) error {
		for _, name := range names {
			if _, err := fmt.Fprintf(w, "%s  %s\n", merged[name], name); err != nil {
				return err
			}
		}
		return nil
	})
	return path, err
}
