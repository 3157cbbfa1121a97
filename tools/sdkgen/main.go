// Command pulumi-sdkgen writes the Python, TypeScript and Go SDKs of a Pulumi package
// schema with the code generators of the Pulumi CLI's Go module (pkg/v3/codegen).
//
// `pulumi package gen-sdk` hands the same work to each language's host plugin
// (GeneratePackage); where those hosts cannot be built from the Go module proxy,
// this calls the generators they would call, at the CLI's pinned version.
//
//	pulumi-sdkgen -schema schema.json -out sdk [-language python,nodejs,go]
//
// Each language is written to <out>/<language>/, as gen-sdk lays it out.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "pulumi-sdkgen"

// selfContained loads no other package: the schema may reference only its own types.
type selfContained struct{}

func refused(name string) error {
	return fmt.Errorf("the schema references the package %q; only self-contained schemas are supported", name)
}

func (selfContained) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, refused(name)
}

func (selfContained) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, refused(d.Name)
}

func (selfContained) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, refused(name)
}

func (selfContained) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, refused(d.Name)
}

func generate(language string, pkg *schema.Package) (map[string][]byte, error) {
	switch language {
	case "python":
		return python.GeneratePackage(tool, pkg, nil, selfContained{})
	case "nodejs":
		return nodejs.GeneratePackage(tool, pkg, nil, nil, false, selfContained{})
	case "go":
		return gogen.GeneratePackage(tool, pkg, nil)
	}
	return nil, fmt.Errorf("unknown language %q (python, nodejs, go)", language)
}

func run(schemaPath, out, languages string) error {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	for _, language := range strings.Split(languages, ",") {
		// Each generator imports its own language section: bind the schema afresh for each.
		pkg, diags, err := schema.BindSpec(spec, selfContained{}, schema.ValidationOptions{})
		if err != nil {
			return err
		}
		if diags.HasErrors() {
			return fmt.Errorf("%s: %s", schemaPath, diags.Error())
		}
		files, err := generate(language, pkg)
		if err != nil {
			return fmt.Errorf("%s SDK: %w", language, err)
		}
		root := filepath.Join(out, language)
		if err := os.RemoveAll(root); err != nil {
			return err
		}
		for name, content := range files {
			path := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func main() {
	schemaPath := flag.String("schema", "schema.json", "the package schema")
	out := flag.String("out", "sdk", "the folder the SDKs are written to, one folder per language")
	languages := flag.String("language", "python,nodejs,go", "comma-separated: python, nodejs, go")
	flag.Parse()
	if err := run(*schemaPath, *out, *languages); err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-sdkgen:", err)
		os.Exit(1)
	}
}
