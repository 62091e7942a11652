// Command schemagen turns Kubernetes API definitions into the per-kind, standalone, strict
// JSON schemas that kubeconform reads from a local -schema-location, so the chart tests
// need no download beyond the Go module proxy. It does what openapi2jsonschema does for
// the published kubernetes-json-schema sets, with one deliberate difference: optional
// fields do not accept null, because a null in rendered output is a template bug.
//
//	schemagen openapi <swagger.json> <out-dir>    core and built-in API kinds (OpenAPI v2)
//	schemagen crd <crd.yaml>... <out-dir>          custom resources, one file per served version
//
// Files are named as kubeconform's "{{ .ResourceKind }}{{ .KindSuffix }}.json" template
// expects: deployment-apps-v1.json, service-v1.json, servicemonitor-monitoring-v1.json.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

type object = map[string]any

func main() {
	if len(os.Args) < 4 {
		fail("usage: schemagen openapi <swagger.json> <out-dir> | schemagen crd <crd.yaml>... <out-dir>")
	}
	out := os.Args[len(os.Args)-1]
	if err := os.MkdirAll(out, 0o755); err != nil {
		fail(err.Error())
	}
	var written int
	var err error
	switch os.Args[1] {
	case "openapi":
		written, err = fromOpenAPI(os.Args[2], out)
	case "crd":
		written, err = fromCRDs(os.Args[2:len(os.Args)-1], out)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fail(err.Error())
	}
	fmt.Printf("schemagen: %d schemas written to %s\n", written, out)
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "schemagen:", message)
	os.Exit(1)
}

// fromOpenAPI writes one schema per definition that names exactly one group-version-kind;
// definitions shared by many kinds (DeleteOptions, WatchEvent) are not resources.
func fromOpenAPI(specPath, out string) (int, error) {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return 0, err
	}
	var spec struct {
		Definitions map[string]object `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return 0, fmt.Errorf("%s: %w", specPath, err)
	}
	strictDefs := make(map[string]object, len(spec.Definitions))
	for name, def := range spec.Definitions {
		strictDefs[name] = strict(def).(object)
	}
	count := 0
	for name, def := range spec.Definitions {
		gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
		if len(gvks) != 1 {
			continue
		}
		gvk := gvks[0].(object)
		group, version, kind := gvk["group"].(string), gvk["version"].(string), gvk["kind"].(string)
		schema := pinKind(clone(strictDefs[name]).(object), group, version, kind)
		if defs := closure(schema, strictDefs); len(defs) > 0 {
			schema["definitions"] = defs
		}
		if err := write(out, group, version, kind, schema); err != nil {
			return count, err
		}
		count++
	}
	return count, nil
}

// fromCRDs writes one schema per served version of each CustomResourceDefinition.
func fromCRDs(paths []string, out string) (int, error) {
	count := 0
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			return count, err
		}
		var crd struct {
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
				Versions []struct {
					Name   string `json:"name"`
					Served bool   `json:"served"`
					Schema struct {
						OpenAPIV3Schema object `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(raw, &crd); err != nil {
			return count, fmt.Errorf("%s: %w", path, err)
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served || v.Schema.OpenAPIV3Schema == nil {
				continue
			}
			schema := pinKind(strict(v.Schema.OpenAPIV3Schema).(object), crd.Spec.Group, v.Name, crd.Spec.Names.Kind)
			if err := write(out, crd.Spec.Group, v.Name, crd.Spec.Names.Kind, schema); err != nil {
				return count, err
			}
			count++
		}
	}
	return count, nil
}

// strict returns a copy of an OpenAPI schema node rewritten for a JSON-schema validator:
// closed objects, int-or-string as a union, OpenAPI v3 "nullable" as a null type.
func strict(node any) any {
	switch n := node.(type) {
	case []any:
		items := make([]any, len(n))
		for i, item := range n {
			items[i] = strict(item)
		}
		return items
	case object:
		result := make(object, len(n))
		for key, value := range n {
			switch key {
			case "properties", "patternProperties", "definitions":
				// maps of name -> schema: recurse into each schema, not into the map's keys
				props := object{}
				for name, schema := range value.(object) {
					props[name] = strict(schema)
				}
				result[key] = props
			default:
				result[key] = strict(value)
			}
		}
		if result["format"] == "int-or-string" || result["x-kubernetes-int-or-string"] == true {
			delete(result, "format")
			delete(result, "type")
			delete(result, "anyOf")
			result["oneOf"] = []any{object{"type": "string"}, object{"type": "integer"}}
		}
		_, hasProps := result["properties"]
		_, hasAdditional := result["additionalProperties"]
		if hasProps && !hasAdditional && result["x-kubernetes-preserve-unknown-fields"] != true {
			result["additionalProperties"] = false
		}
		if result["nullable"] == true {
			delete(result, "nullable")
			if t, ok := result["type"].(string); ok {
				result["type"] = []any{t, "null"}
			}
		}
		return result
	default:
		return node
	}
}

// pinKind makes a schema accept only its own apiVersion and kind.
func pinKind(schema object, group, version, kind string) object {
	apiVersion := version
	if group != "" {
		apiVersion = group + "/" + version
	}
	props, _ := schema["properties"].(object)
	if props == nil {
		props = object{}
		schema["properties"] = props
	}
	props["apiVersion"] = object{"type": "string", "enum": []any{apiVersion}}
	props["kind"] = object{"type": "string", "enum": []any{kind}}
	return schema
}

// closure collects every definition the schema reaches through "#/definitions/..." refs.
func closure(schema object, defs map[string]object) object {
	found := object{}
	var walk func(node any)
	walk = func(node any) {
		switch n := node.(type) {
		case []any:
			for _, item := range n {
				walk(item)
			}
		case object:
			for key, value := range n {
				if ref, ok := value.(string); ok && key == "$ref" {
					name := strings.TrimPrefix(ref, "#/definitions/")
					if _, seen := found[name]; !seen {
						def, ok := defs[name]
						if !ok {
							continue
						}
						found[name] = def
						walk(def)
					}
					continue
				}
				walk(value)
			}
		}
	}
	walk(schema)
	return found
}

func write(out, group, version, kind string, schema object) error {
	// kubeconform's KindSuffix: "-" + first label of the group (if any) + "-" + version
	suffix := "-" + strings.ToLower(version)
	if group != "" {
		suffix = "-" + strings.ToLower(strings.Split(group, ".")[0]) + suffix
	}
	data, err := json.Marshal(schema) // map keys come out sorted: stable files
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, strings.ToLower(kind)+suffix+".json"), data, 0o644)
}

func clone(node any) any {
	switch n := node.(type) {
	case []any:
		items := make([]any, len(n))
		for i, item := range n {
			items[i] = clone(item)
		}
		return items
	case object:
		copied := make(object, len(n))
		for key, value := range n {
			copied[key] = clone(value)
		}
		return copied
	default:
		return node
	}
}
