package commands

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/packager/layerzip"
	"github.com/lwa-go/lwa/packager/platform"
	"github.com/lwa-go/lwa/packager/usage"
)

// common holds the flags every packaging command has, validated.
type common struct {
	platforms []platform.Platform
	// explicitPlatforms is true when --platform was given (not defaulted).
	explicitPlatforms bool
	binaries          map[platform.Platform]string
	source            string
	version           string
	created           time.Time
	quiet, json       bool
}

func commonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{
			Name:    "platform",
			Usage:   "platforms to build: linux/amd64, linux/arm64, or all (default: all, or those given with --binary)",
			EnvVars: []string{"LWA_PACK_PLATFORM"},
		},
		&cli.StringSliceFlag{
			Name:    "binary",
			Usage:   "use a prebuilt adapter binary instead of compiling, as PLATFORM=PATH (repeatable)",
			EnvVars: []string{"LWA_PACK_BINARY"},
		},
		&cli.StringFlag{
			Name:    "source",
			Usage:   "compile the adapter from this checkout of github.com/lwa-go/lwa (default: the checkout the current directory is in, else the adapter at lwa-pack's own version, fetched)",
			EnvVars: []string{"LWA_PACK_SOURCE"},
		},
		&cli.StringFlag{
			Name:    "version",
			Usage:   "version stamped into the adapter and the artifacts' names (default: lwa-pack's version)",
			EnvVars: []string{"LWA_PACK_VERSION"},
		},
		&cli.StringFlag{
			Name:    "source-date-epoch",
			Usage:   "Unix time for every timestamp in the artifacts (default 315532800, 1980-01-01; earlier values are raised to it)",
			EnvVars: []string{"LWA_PACK_SOURCE_DATE_EPOCH", "SOURCE_DATE_EPOCH"},
		},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress lines on stderr", EnvVars: []string{"LWA_PACK_QUIET"}},
		&cli.BoolFlag{Name: "json", Usage: "print the result as JSON on stdout", EnvVars: []string{"LWA_PACK_JSON"}},
	}
}

// validVersion keeps --version usable in file names and image tags: 1 to 128 letters, digits
// and . _ + -, starting with a letter or digit.
func validVersion(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i, r := range s {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || !strings.ContainsRune("._+-", r)) {
			return false
		}
	}
	return true
}

func (a *app) parseCommon(c *cli.Context) (common, error) {
	cm := common{quiet: c.Bool("quiet"), json: c.Bool("json"), source: c.String("source")}
	if args := c.Args().Slice(); len(args) > 0 {
		return common{}, fmt.Errorf("unexpected argument %q: %s takes only flags", args[0], c.Command.Name)
	}

	cm.version = a.Version
	if c.IsSet("version") {
		cm.version = c.String("version")
	}
	if !validVersion(cm.version) {
		return common{}, fmt.Errorf("%s: use 1 to 128 letters, digits and . _ + -, starting with a letter or digit (it is part of file names and tags; + becomes _ in tags)", usage.FlagValue(c, "version", cm.version))
	}

	cm.created = time.Unix(layerzip.MinEpoch, 0).UTC()
	if s := c.String("source-date-epoch"); s != "" {
		sec, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return common{}, fmt.Errorf("%s: want a Unix time in seconds", usage.FlagValue(c, "source-date-epoch", s))
		}
		cm.created = layerzip.ClampTime(time.Unix(sec, 0))
	}

	if bins := c.StringSlice("binary"); len(bins) > 0 {
		if cm.source != "" {
			return common{}, fmt.Errorf("%s and %s cannot be used together: --binary skips compiling", usage.FlagRef(c, "binary"), usage.FlagRef(c, "source"))
		}
		cm.binaries = map[platform.Platform]string{}
		for _, b := range bins {
			ps, path, ok := strings.Cut(b, "=")
			if !ok || path == "" {
				return common{}, fmt.Errorf("%s: want PLATFORM=PATH, e.g. linux/amd64=dist/lambda-adapter", usage.FlagValue(c, "binary", b))
			}
			p, err := platform.Parse(ps)
			if err != nil {
				return common{}, fmt.Errorf("%s: %w", usage.FlagValue(c, "binary", b), err)
			}
			if _, dup := cm.binaries[p]; dup {
				return common{}, fmt.Errorf("%s: %s given twice", usage.FlagRef(c, "binary"), p)
			}
			cm.binaries[p] = path
		}
	}

	cm.explicitPlatforms = c.IsSet("platform")
	switch {
	case cm.explicitPlatforms:
		ps, err := platform.ParseList(c.StringSlice("platform"))
		if err != nil {
			return common{}, fmt.Errorf("%s: %w", usage.FlagRef(c, "platform"), err)
		}
		cm.platforms = ps
	case cm.binaries != nil:
		for _, p := range platform.All() {
			if _, ok := cm.binaries[p]; ok {
				cm.platforms = append(cm.platforms, p)
			}
		}
	default:
		cm.platforms = platform.All()
	}
	return cm, nil
}
