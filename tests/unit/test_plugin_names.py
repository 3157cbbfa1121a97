"""Names and values between Pulumi's camelCase property maps and the core's snake_case dicts."""

from __future__ import annotations

from pulumi.provider.experimental.property_value import Computed, PropertyValue

from provider.core.fields import FIELDS, OUTPUTS, UNKNOWN, pulumi_name
from provider.core.shapes import objects
from provider.plugin.names import core_name, in_pulumi_words, property_path, to_core, to_pulumi
from provider.plugin.values import plain_map, property_map, secret_keys


def every_name() -> set[str]:
    names = {f.name for f in FIELDS} | {o.name for o in OUTPUTS}
    for shape in [f.shape for f in FIELDS] + [f.recorded for f in FIELDS if f.recorded] + [o.shape for o in OUTPUTS]:
        names |= {m.name for t in objects(shape) if shape is not None for m in t.members}
    return names


def test_every_name_of_the_table_crosses_both_ways() -> None:
    names = every_name()
    assert {"key_pair_names", "allowed_access_ips", "mount_path", "create_lookup", "pre_start"} <= names
    for name in names:
        assert core_name(pulumi_name(name)) == name, name


CORE = {
    "image_id": "img", "run_state_drift": "ignore",
    "endpoints": [{"service": "SSH", "key_pair_names": ["kp"], "allowed_access_ips": ["80.158.1.10"]}],
    "hooks": {"container_hooks": {"pre_start": {"script": "a.sh", "type": "SCRIPT"}}},
    "obs_mounts": [{"uri": "obs://b/x/", "mount_path": "/data/x/"}],
    "timeouts": {"create_lookup": 30.0},
    "declared": {"volume_capacity": 5},
}
PULUMI = {
    "imageId": "img", "runStateDrift": "ignore",
    "endpoints": [{"service": "SSH", "keyPairNames": ["kp"], "allowedAccessIps": ["80.158.1.10"]}],
    "hooks": {"containerHooks": {"preStart": {"script": "a.sh", "type": "SCRIPT"}}},
    "obsMounts": [{"uri": "obs://b/x/", "mountPath": "/data/x/"}],
    "timeouts": {"createLookup": 30.0},
    "declared": {"volumeCapacity": 5},
}


def test_nested_properties_are_renamed_at_every_depth_and_values_kept() -> None:
    assert to_pulumi(CORE) == PULUMI
    assert to_core(PULUMI) == CORE


def test_problem_fields_become_pulumi_property_paths() -> None:
    assert property_path("endpoints.0.allowed_access_ips") == "endpoints[0].allowedAccessIps"
    assert property_path("auto_stop.duration") == "autoStop.duration"
    assert property_path("obs_mounts.1.mount_path") == "obsMounts[1].mountPath"
    assert property_path("") == property_path("inputs") == ""  # the inputs as a whole


def test_messages_name_fields_as_the_program_wrote_them() -> None:
    assert in_pulumi_words("image_tag goes with image_name") == "imageTag goes with imageName"
    assert in_pulumi_words("set allow_restart: true; see key_pair_names") == "set allowRestart: true; see keyPairNames"
    # Only whole names of the table: other words and the service's own terms stay as they are.
    assert in_pulumi_words("image_ids, my_image_id, flavor") == "image_ids, my_image_id, flavor"


def test_values_unwrap_secrets_and_unknowns_and_come_back_as_pulumi_carries_them() -> None:
    given = {"description": PropertyValue("hidden", is_secret=True), "flavor": PropertyValue(Computed()),
             "volume": PropertyValue({"capacity": PropertyValue(5.0)})}
    assert plain_map(given) == {"description": "hidden", "flavor": UNKNOWN, "volume": {"capacity": 5.0}}
    assert secret_keys(given) == {"description"}
    back = property_map({"description": "hidden", "createAt": 1796467643759, "volume": {"capacity": 5}},
                        secrets={"description"})
    assert back["description"] == PropertyValue("hidden", is_secret=True)
    assert back["createAt"] == PropertyValue(1796467643759.0)
    assert back["volume"] == PropertyValue({"capacity": PropertyValue(5.0)})
