"""The plugin's package schema is the field table in Pulumi's names: nothing more, nothing less."""

from __future__ import annotations

import json

from provider import __version__
from provider.core.fields import FIELDS, OUTPUTS, SETTINGS, Change, program_inputs, pulumi_name
from provider.core.inputs import NotebookInputs
from provider.notebook import NotebookArgs
from provider.plugin.schema import NOTEBOOK, package_schema, schema_json

SCHEMA = package_schema(__version__)
NOTEBOOK_SPEC = SCHEMA["resources"][NOTEBOOK]
TYPES = SCHEMA["types"]


def ref(name: str) -> dict:
    return {"$ref": f"#/types/modelarts:index:{name}"}


def fields_of(spec: dict) -> dict:
    return {key: {k: v for k, v in value.items() if k != "description"} for key, value in spec.items()}


def test_the_inputs_are_the_table_s_program_inputs_and_both_front_ends_agree() -> None:
    inputs = set(NOTEBOOK_SPEC["inputProperties"])
    assert inputs == {pulumi_name(name) for name in program_inputs()}
    assert inputs == {pulumi_name(name) for name in NotebookArgs.__dataclass_fields__}
    assert inputs == {pulumi_name(name) for name in NotebookInputs.model_fields} - {"identity"}
    assert {"imageId", "autoStop", "runStateDrift", "obsMounts", "allowRestart", "adoptId"} <= inputs
    assert NOTEBOOK_SPEC["requiredInputs"] == ["flavor", "volume"]


def test_the_outputs_are_the_inputs_and_the_public_outputs_with_the_token_secret() -> None:
    properties = NOTEBOOK_SPEC["properties"]
    public_outputs = {pulumi_name(o.name) for o in OUTPUTS if not o.internal}
    assert set(properties) == set(NOTEBOOK_SPEC["inputProperties"]) | public_outputs
    assert {"timings", "declared", "identity"}.isdisjoint(properties)
    assert [key for key, spec in properties.items() if spec.get("secret")] == ["token"]
    assert set(NOTEBOOK_SPEC["required"]) <= set(properties)


def test_inputs_that_cannot_change_replace_the_notebook_and_no_other() -> None:
    replacing = {key for key, spec in NOTEBOOK_SPEC["inputProperties"].items() if spec.get("replaceOnChanges")}
    assert replacing == {pulumi_name(f.name) for f in FIELDS if f.change is Change.REPLACE}
    assert replacing == {"workspaceId", "poolId", "feature", "projectId", "region"}


def test_types_nest_in_camel_case() -> None:
    inputs = fields_of(NOTEBOOK_SPEC["inputProperties"])
    assert inputs["volume"] == ref("Volume") and inputs["running"] == {"type": "boolean"}
    assert inputs["endpoints"] == {"type": "array", "items": ref("Endpoint")}
    assert inputs["obsMounts"] == {"type": "array", "items": ref("ObsMount")}
    assert fields_of(TYPES["modelarts:index:Endpoint"]["properties"]) == {
        "service": {"type": "string"}, "keyPairNames": {"type": "array", "items": {"type": "string"}},
        "allowedAccessIps": {"type": "array", "items": {"type": "string"}}}
    assert TYPES["modelarts:index:Volume"]["properties"]["capacity"]["type"] == "integer"
    assert TYPES["modelarts:index:Volume"]["required"] == ["category"]
    assert fields_of(TYPES["modelarts:index:Hooks"]["properties"]) == {"containerHooks": ref("ContainerHooks")}
    assert set(TYPES["modelarts:index:ContainerHooks"]["properties"]) == {"preStart", "postStart"}
    assert set(TYPES["modelarts:index:ObsMount"]["properties"]) == {"uri", "mountPath"}
    assert "createLookup" in TYPES["modelarts:index:Timeouts"]["properties"]
    assert set(TYPES["modelarts:index:AutoStop"]["properties"]) == {"enabled", "duration", "type"}
    # State records what the service adds: the output form of the volume has its mount path.
    assert NOTEBOOK_SPEC["properties"]["volume"]["$ref"] == ref("VolumeState")["$ref"]
    assert "mountPath" in TYPES["modelarts:index:VolumeState"]["properties"]


def test_every_type_referenced_is_defined() -> None:
    text = schema_json(__version__)
    referenced = {part.split('"')[0] for part in text.split('"#/types/')[1:]}
    assert referenced == set(TYPES)


def test_descriptions_speak_camel_case() -> None:
    described = json.dumps(NOTEBOOK_SPEC["inputProperties"])
    assert "`imageId`" in described and "`image_id`" not in described and "key_pair_names" not in described
    assert "](#" not in described  # no links into the README


def test_the_configuration_is_the_settings_table_with_credentials_secret() -> None:
    variables = SCHEMA["config"]["variables"]
    assert set(variables) == {s.name for s in SETTINGS}
    assert {k for k, v in variables.items() if v.get("secret")} == {"secretKey", "password"}
    assert SCHEMA["provider"]["inputProperties"] == variables
    assert "OS_SECRET_KEY" in variables["secretKey"]["description"]


def test_each_sdk_asks_for_the_plugin_of_this_version() -> None:
    assert SCHEMA["name"] == "modelarts" and SCHEMA["version"] == __version__
    assert all(SCHEMA["language"][lang]["respectSchemaVersion"] for lang in ("python", "nodejs", "go"))
