"""The `modelarts` package schema, generated from the core's field table.

Names are Pulumi's camelCase (`pulumi_name`), descriptions come from the
table's rules and change kinds, object types from each field's shape, the
token is a secret output, the fields a change of which replaces the notebook
say so (`replaceOnChanges`), and the provider's configuration is the table of
settings (`modelarts:*`, the credentials secret). Internal fields (the identity
marker, timings) stay out: state keeps them, programs never see them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..core.fields import FIELDS, OUTPUTS, SETTINGS, Change, InputField, pulumi_name
from ..core.shapes import Shape, objects
from .names import in_pulumi_words

PACKAGE = "modelarts"
NOTEBOOK = f"{PACKAGE}:index:Notebook"
# Where the generated Go SDK lives inside its module (`make sdks` writes the go.mod).
GO_MODULE = "modelarts-notebooks/sdk/go"
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
# Outputs every notebook has once created (typed SDKs make them non-optional).
REQUIRED_OUTPUTS = ("notebook_id", "status", "name", "flavor", "volume", "running")


def type_token(shape: Shape) -> str:
    return f"{PACKAGE}:index:{shape.name}"


def _text(text: str) -> str:
    """A description for every language: links to README sections dropped, names in camelCase."""
    return in_pulumi_words(_LINK.sub(r"\1 (in the README)", text))


def spec(shape: Shape) -> dict[str, Any]:
    """The schema's type spec of a shape."""
    if shape.kind == "object":
        return {"$ref": f"#/types/{type_token(shape)}"}
    if shape.kind == "array":
        assert shape.items is not None
        return {"type": "array", "items": spec(shape.items)}
    if shape.kind == "any":
        return {"$ref": "pulumi.json#/Any"}
    return {"type": shape.kind}


def object_types() -> dict[str, Any]:
    """Every object type of the inputs, their recorded forms and the outputs."""
    shapes = [f.shape for f in FIELDS] + [f.recorded for f in FIELDS if f.recorded] + [o.shape for o in OUTPUTS]
    types: dict[str, Any] = {}
    for shape in (found for s in shapes if s is not None for found in objects(s)):
        types[type_token(shape)] = {
            "type": "object",
            "properties": {pulumi_name(m.name): {**spec(m.shape), "description": _text(m.description)}
                           for m in shape.members},
            "required": [pulumi_name(m.name) for m in shape.members if m.required],
        }
    return types


def _input_description(field: InputField) -> str:
    return _text(f"{field.rules}. On an existing notebook: {field.change.value}.")


def _input(field: InputField) -> dict[str, Any]:
    prop = {**spec(field.shape), "description": _input_description(field)}
    if field.change is Change.REPLACE:
        prop["replaceOnChanges"] = True
    return prop


def notebook_resource() -> dict[str, Any]:
    public = [f for f in FIELDS if not f.internal]
    outputs = {pulumi_name(f.name): {**spec(f.recorded or f.shape), "description": _input_description(f)}
               for f in public}
    for out in OUTPUTS:
        if not out.internal:
            outputs[pulumi_name(out.name)] = {**spec(out.shape), "description": _text(out.description),
                                              **({"secret": True} if out.secret else {})}
    return {
        "description": "A ModelArts notebook instance of Open Telekom Cloud whose run state is declared by "
                       "`running`.",
        "properties": outputs,
        "required": [pulumi_name(name) for name in REQUIRED_OUTPUTS],
        "inputProperties": {pulumi_name(f.name): _input(f) for f in public},
        "requiredInputs": [pulumi_name(f.name) for f in public if f.required],
    }


def configuration() -> dict[str, Any]:
    return {s.name: {"type": "string", "description": _text(
        s.description + (f"; default the environment variable `{s.env}`" if s.env else "")),
        **({"secret": True} if s.secret else {})} for s in SETTINGS}


def package_schema(version: str) -> dict[str, Any]:
    settings = configuration()
    return {
        "name": PACKAGE,
        "displayName": "ModelArts notebooks",
        "version": version,
        "description": "Open Telekom Cloud ModelArts notebook instances, with their run state declared.",
        "keywords": ["pulumi", "modelarts", "open-telekom-cloud", "category/cloud"],
        "config": {"variables": settings},
        "provider": {
            "description": "The ModelArts provider: the stack's `modelarts:*` settings, or the `OS_*` variables.",
            "inputProperties": settings,
        },
        "resources": {NOTEBOOK: notebook_resource()},
        "types": object_types(),
        # Each SDK names this version, so a program asks the engine for the plugin it was generated from.
        "language": {
            "python": {"packageName": "pulumi_modelarts", "requires": {"pulumi": ">=3.0.0,<4.0.0"},
                       "respectSchemaVersion": True},
            "nodejs": {"packageName": "@modelarts-notebooks/pulumi-modelarts",
                       "dependencies": {"@pulumi/pulumi": "^3.0.0"}, "respectSchemaVersion": True},
            "go": {"importBasePath": f"{GO_MODULE}/{PACKAGE}", "respectSchemaVersion": True},
        },
    }


def schema_json(version: str) -> str:
    return json.dumps(package_schema(version), indent=2, sort_keys=True) + "\n"
