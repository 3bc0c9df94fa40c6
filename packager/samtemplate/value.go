package samtemplate

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// value is a template value with CloudFormation intrinsics recognised: a scalar (string), a
// mapping (*mapping), a sequence ([]value) or an intrinsic.
type value any

// mapping keeps a YAML mapping's keys in their written order, so that merged output and error
// messages are stable.
type mapping struct {
	keys []string
	vals map[string]value
}

func (m *mapping) get(key string) (value, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.vals[key]
	return v, ok
}

func (m *mapping) set(key string, v value) {
	if _, ok := m.vals[key]; !ok {
		m.keys = append(m.keys, key)
	}
	m.vals[key] = v
}

// intrinsic is a CloudFormation intrinsic function (`!Ref X`, `!Sub ...`, `{"Fn::GetAtt": ...}`).
// Its value depends on the deployed stack, so it is kept as the text a reader would write.
type intrinsic struct{ text string }

func (i intrinsic) String() string { return i.text }

// shortTags are the CloudFormation short-form tags; each names the long form Fn::X (Ref stays Ref).
var shortTags = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr",
	"!FindInMap": "Fn::FindInMap", "!GetAtt": "Fn::GetAtt", "!GetAZs": "Fn::GetAZs",
	"!ImportValue": "Fn::ImportValue", "!Join": "Fn::Join", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!Sub": "Fn::Sub", "!Transform": "Fn::Transform", "!And": "Fn::And",
	"!Equals": "Fn::Equals", "!If": "Fn::If", "!Not": "Fn::Not", "!Or": "Fn::Or",
	"!ToJsonString": "Fn::ToJsonString", "!Length": "Fn::Length",
}

// convert turns a YAML node into a value. Unknown local tags (`!Foo`) are an error rather than a
// value silently read as plain text.
func convert(n *yaml.Node) (value, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return convert(n.Content[0])
	case yaml.AliasNode:
		return convert(n.Alias)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		if _, ok := shortTags[n.Tag]; !ok {
			return nil, fmt.Errorf("line %d: unknown tag %s (CloudFormation's short forms are %s)", n.Line, n.Tag, knownTags())
		}
		return intrinsic{text: n.Tag + " " + render(n)}, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		out := make([]value, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := convert(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return convertMapping(n)
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

func convertMapping(n *yaml.Node) (value, error) {
	m := &mapping{vals: map[string]value{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, vn := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" {
			if err := mergeKey(m, vn); err != nil {
				return nil, err
			}
			continue
		}
		v, err := convert(vn)
		if err != nil {
			return nil, err
		}
		m.set(k.Value, v)
	}
	// The long form of an intrinsic is a mapping with one key: Ref or Fn::X.
	if len(m.keys) == 1 && (m.keys[0] == "Ref" || m.keys[0] == "Condition" || strings.HasPrefix(m.keys[0], "Fn::")) {
		return intrinsic{text: longToShort(m.keys[0]) + " " + render(n.Content[1])}, nil
	}
	return m, nil
}

// mergeKey applies a YAML merge key (`<<: *base`): the merged keys do not override written ones.
func mergeKey(m *mapping, n *yaml.Node) error {
	v, err := convert(n)
	if err != nil {
		return err
	}
	src, ok := v.(*mapping)
	if !ok {
		return fmt.Errorf("line %d: a merge key (<<) needs a mapping", n.Line)
	}
	for _, k := range src.keys {
		if _, exists := m.vals[k]; !exists {
			m.set(k, src.vals[k])
		}
	}
	return nil
}

func longToShort(key string) string {
	return "!" + strings.TrimPrefix(key, "Fn::")
}

// render writes a node back as compact flow-style text: `!Sub arn:${AWS::Region}:x`,
// `!GetAtt [Fn, Arn]`, `!If [IsProd, 512, 128]`.
func render(n *yaml.Node) string {
	switch n.Kind {
	case yaml.AliasNode:
		return render(n.Alias)
	case yaml.ScalarNode:
		return n.Value
	case yaml.SequenceNode:
		parts := make([]string, len(n.Content))
		for i, c := range n.Content {
			parts[i] = renderTagged(c)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case yaml.MappingNode:
		parts := make([]string, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			parts = append(parts, n.Content[i].Value+": "+renderTagged(n.Content[i+1]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return ""
}

func renderTagged(n *yaml.Node) string {
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return n.Tag + " " + render(n)
	}
	return render(n)
}

func knownTags() string {
	tags := make([]string, 0, len(shortTags))
	for t := range shortTags {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return strings.Join(tags, ", ")
}

// mergeGlobals merges a Globals section into a resource's properties as SAM does: mappings merge
// key by key, lists concatenate (the global items first), and any other value — a scalar or an
// intrinsic — set on the resource replaces the global one.
func mergeGlobals(global, local value) value {
	switch g := global.(type) {
	case *mapping:
		l, ok := local.(*mapping)
		if !ok {
			if local == nil {
				return g
			}
			return local
		}
		out := &mapping{vals: map[string]value{}}
		for _, k := range g.keys {
			out.set(k, g.vals[k])
		}
		for _, k := range l.keys {
			if gv, ok := out.vals[k]; ok {
				out.set(k, mergeGlobals(gv, l.vals[k]))
				continue
			}
			out.set(k, l.vals[k])
		}
		return out
	case []value:
		if l, ok := local.([]value); ok {
			return append(append([]value{}, g...), l...)
		}
	}
	if local == nil {
		return global
	}
	return local
}
