package image

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/lwa-go/lwa/packager/platform"
)

// historyPrefix starts the history entry of every layer lwa-pack adds (see history).
const historyPrefix = "lwa-pack "

// replaceAdapter deals with a base that already has /opt/extensions/lambda-adapter (an earlier
// lwa-pack run, a Dockerfile's COPY of AWS's adapter), so that the result never runs two: when
// the adapter is the base's top layer and that layer holds nothing else, the layer is taken out;
// otherwise the new layer's file replaces the old one at the same path (the old bytes stay in
// their layer, hidden). Either way a warning names the old and the new version.
func replaceAdapter(img v1.Image, p platform.Platform, scan baseScan, o Options) (v1.Image, baseScan, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, scan, fmt.Errorf("read base layers: %w", err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, scan, fmt.Errorf("read base config: %w", err)
	}
	old := describeOld(cfg.History, scan.adapterLayer)
	top := scan.adapterLayer == len(layers)-1
	if !top || !scan.adapterOnly {
		o.warn("%s: the base already has an adapter at /opt/extensions/lambda-adapter (%s), in layer %d with other files: the adapter %s replaces it at that path", p, old, scan.adapterLayer, o.Version)
		return img, scan, nil
	}
	o.warn("%s: the base already has an adapter (%s) in its top layer: replacing that layer with the adapter %s", p, old, o.Version)
	trimmed, err := dropTopLayer(img, layers, cfg)
	if err != nil {
		return nil, scan, fmt.Errorf("take out the old adapter layer: %w", err)
	}
	rescan, err := scanBase(trimmed)
	if err != nil {
		return nil, scan, err
	}
	return trimmed, rescan, nil
}

// describeOld names the adapter in layer i from the history entry that made it: "lwa-pack 1.2.3"
// for lwa-pack's own layers, else the command (a Dockerfile's COPY).
func describeOld(history []v1.History, i int) string {
	j := layerHistory(history, i)
	var h v1.History
	if j < len(history) {
		h = history[j]
	}
	switch {
	case h.CreatedBy == "":
		return "version unknown"
	case strings.HasPrefix(h.CreatedBy, historyPrefix):
		v, _, _ := strings.Cut(strings.TrimPrefix(h.CreatedBy, historyPrefix), ":")
		return "lwa-pack's, version " + v
	}
	return fmt.Sprintf("version unknown, added by %q", h.CreatedBy)
}

// layerHistory returns the index in history of the i-th layer's entry (entries marked
// empty_layer have no layer), len(history) when the history has none for it.
func layerHistory(history []v1.History, i int) int {
	n := 0
	for j, h := range history {
		if h.EmptyLayer {
			continue
		}
		if n == i {
			return j
		}
		n++
	}
	return len(history)
}

// dropTopLayer returns img without its last layer: the same config (its last diff ID and the
// history from that layer's entry on taken out), manifest annotations and media types.
func dropTopLayer(img v1.Image, layers []v1.Layer, cfg *v1.ConfigFile) (v1.Image, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	out := mutate.MediaType(empty.Image, m.MediaType)
	out = mutate.ConfigMediaType(out, m.Config.MediaType)
	for i, l := range layers[:len(layers)-1] {
		if out, err = mutate.Append(out, mutate.Addendum{Layer: l, MediaType: m.Layers[i].MediaType}); err != nil {
			return nil, err
		}
	}
	cfg = cfg.DeepCopy()
	cfg.RootFS.DiffIDs = cfg.RootFS.DiffIDs[:len(cfg.RootFS.DiffIDs)-1]
	// Keep the history entries that come before the dropped layer's own.
	cfg.History = cfg.History[:layerHistory(cfg.History, len(layers)-1)]
	if out, err = mutate.ConfigFile(out, cfg); err != nil {
		return nil, err
	}
	if len(m.Annotations) > 0 {
		out = mutate.Annotations(out, m.Annotations).(v1.Image)
	}
	return out, nil
}
