package commands

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/lwa-go/lwa/packager/lambdalayer"
	"github.com/lwa-go/lwa/packager/layer"
	"github.com/lwa-go/lwa/packager/usage"
)

func (a *app) publishCommand() *cli.Command {
	return &cli.Command{
		Name:  "publish",
		Usage: "build the layer zips and publish them as Lambda layer versions, one per region and architecture",
		Description: "Publishes lambda-adapter-layer-VERSION-ARCH.zip (as `lwa-pack layer` makes it) to each region as a\n" +
			"new version of the layer PREFIXX86 or PREFIXArm64 (the SAM template's names), with its\n" +
			"compatible architecture, and prints each version's ARN. Credentials and the default region come\n" +
			"from the AWS SDK's default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID..., SSO, roles), as for the AWS CLI.\n" +
			"If any call fails, the versions this run created are deleted again and nothing is printed.",
		Flags: append(commonFlags(),
			&cli.StringSliceFlag{Name: "region", Usage: "AWS regions to publish in, repeatable or comma-separated (default: the AWS configuration's region, e.g. AWS_REGION)", EnvVars: []string{"LWA_PACK_REGION"}},
			&cli.StringFlag{Name: "profile", Usage: "AWS shared-config profile for credentials and region (default: AWS_PROFILE, else the default chain)", EnvVars: []string{"LWA_PACK_PROFILE"}},
			&cli.StringFlag{Name: "layer-name", Value: lambdalayer.DefaultNamePrefix, Usage: "layer name prefix: the layers are PREFIXX86 and PREFIXArm64", EnvVars: []string{"LWA_PACK_LAYER_NAME"}},
			&cli.BoolFlag{Name: "public", Usage: "let every AWS account use the new layer versions (a layer-version permission for principal *)", EnvVars: []string{"LWA_PACK_PUBLIC"}},
			&cli.StringSliceFlag{Name: "runtime", Usage: "compatible runtimes to record (repeatable; default: none, the adapter works with every runtime)", EnvVars: []string{"LWA_PACK_RUNTIME"}},
			&cli.StringFlag{Name: "endpoint-url", Usage: "send the Lambda API calls to this URL instead of AWS's regional endpoint (a VPC endpoint; tests)", EnvVars: []string{"LWA_PACK_ENDPOINT_URL"}},
		),
		Action: a.publish,
	}
}

type publishReport struct {
	Version string                  `json:"version"`
	Layers  []lambdalayer.Published `json:"layers"`
}

func (a *app) publish(c *cli.Context) error {
	cm, err := a.parseCommon(c)
	if err != nil {
		return err
	}
	req := lambdalayer.Request{
		NamePrefix:  c.String("layer-name"),
		Description: "Lambda Web Adapter " + cm.version + " for %s (extension at /opt/extensions/lambda-adapter, wrapper at /opt/bootstrap)",
		LicenseInfo: "Apache-2.0",
		Regions:     c.StringSlice("region"),
		Runtimes:    c.StringSlice("runtime"),
		Public:      c.Bool("public"),
	}
	// Everything that can be checked without compiling is checked first: the flags, then the
	// credentials and the region.
	if err := lambdalayer.CheckTargets(req); err != nil {
		return publishFlagError(c, err)
	}
	cfg, err := lambdalayer.LoadConfig(c.Context, c.String("profile"))
	if err != nil {
		return err
	}
	if len(req.Regions) == 0 && cfg.Region == "" {
		return fmt.Errorf("no region: pass --region or set AWS_REGION (or a region in the AWS profile)")
	}
	var opts []lambdalayer.Option
	if u := c.String("endpoint-url"); u != "" {
		opts = append(opts, lambdalayer.WithBaseEndpoint(u))
	}

	arts, cleanup, err := a.build(c.Context, cm, cm.platforms)
	if err != nil {
		return err
	}
	defer cleanup()
	zips, err := layer.Zips(c.Context, arts, cm.created)
	if err != nil {
		return err
	}
	for i, art := range arts {
		req.Zips = append(req.Zips, lambdalayer.Zip{Architecture: art.Platform.LambdaArch(), Data: zips[i]})
	}
	a.progress(cm.quiet)("publishing %d layer version(s)", len(req.Zips)*max(1, len(req.Regions)))
	pubs, err := lambdalayer.New(cfg, opts...).Publish(c.Context, req)
	if err != nil {
		return err
	}
	report := publishReport{Version: cm.version, Layers: pubs}
	if cm.json {
		return writeJSON(a.Stdout, report)
	}
	for _, p := range pubs {
		vis := "private"
		if p.Public {
			vis = "public"
		}
		fmt.Fprintf(a.Stdout, "%s  %-6s  %s  %s\n", p.Region, p.Architecture, p.LayerVersionArn, vis)
	}
	return nil
}

// publishFlagError names the flag (or its variable) a validation error is about.
func publishFlagError(c *cli.Context, err error) error {
	var ie *lambdalayer.InputError
	if !errors.As(err, &ie) {
		return err
	}
	flag := map[lambdalayer.Field]string{
		lambdalayer.FieldRegions: "region", lambdalayer.FieldRuntimes: "runtime", lambdalayer.FieldNamePrefix: "layer-name",
	}[ie.Field]
	if flag == "" {
		return err
	}
	return fmt.Errorf("%s: %w", usage.FlagRef(c, flag), err)
}
