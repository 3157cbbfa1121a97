"""The one table of inputs (provider/fields.py) agrees with everything built from it."""

from __future__ import annotations

import typing
from pathlib import Path

from provider.core.creation import LIVE_FIXED_VALUES
from provider.core.fields import FIELDS, Change, names, program_inputs, reference_table
from provider.core.inputs import NotebookInputs
from provider.notebook import NotebookArgs
from provider.core.plan import NEEDS_STOPPED, PLAIN_UPDATE_FIELDS, REPLACE_FIELDS, SETTING_FIELDS, SPECIAL_UPDATE_FIELDS

ROOT = Path(__file__).resolve().parents[2]


def test_every_input_is_declared_once() -> None:
    declared = [f.name for f in FIELDS]
    assert len(declared) == len(set(declared))


def test_the_input_models_declare_exactly_the_table() -> None:
    assert set(NotebookArgs.__dataclass_fields__) == set(program_inputs())
    assert set(NotebookInputs.model_fields) == {f.name for f in FIELDS}


def test_every_input_is_in_exactly_one_group_of_the_plan() -> None:
    groups = [set(REPLACE_FIELDS), set(PLAIN_UPDATE_FIELDS) | set(SPECIAL_UPDATE_FIELDS), set(SETTING_FIELDS),
              {"volume", "running"}]
    for f in FIELDS:
        assert sum(f.name in group for group in groups) == 1, f.name
    assert set(NEEDS_STOPPED) <= set(PLAIN_UPDATE_FIELDS) | set(SPECIAL_UPDATE_FIELDS)


def test_the_adoption_check_knows_every_field_that_cannot_change() -> None:
    assert set(LIVE_FIXED_VALUES) == set(names(Change.REPLACE))


def test_the_readme_reference_is_rendered_from_the_table() -> None:
    assert reference_table() in (ROOT / "README.md").read_text()


# ---- shapes: what the plugin's schema publishes agrees with what the models accept ----------

from provider.core.config import KEYS, SECRET_KEYS  # noqa: E402
from provider.core.fields import (  # noqa: E402
    ENDPOINT_STATE, HOOK, HOOKS, IMAGE, LEASE, OUTPUTS, PROGRESS, SETTINGS, VOLUME_STATE,
)
from provider.core.inputs import AutoStop, ObsMount, Timeouts  # noqa: E402
from provider.core.models import (  # noqa: E402
    ContainerHooks, CustomHooks, EndpointInfo, EndpointRequest, HookConfig, ImageInfo, JobProgress, Lease,
    VolumeInfo, VolumeRequest,
)
from provider.core.shapes import objects  # noqa: E402

# The input models each object type of the table stands for.
INPUT_MODELS = {"Volume": VolumeRequest, "Endpoint": EndpointRequest, "Hooks": CustomHooks,
                "ContainerHooks": ContainerHooks, "Hook": HookConfig, "AutoStop": AutoStop, "ObsMount": ObsMount,
                "Timeouts": Timeouts}


def test_each_input_object_type_has_exactly_its_model_s_fields() -> None:
    seen = {t.name: t for f in FIELDS for t in objects(f.shape)}
    assert set(seen) == set(INPUT_MODELS)
    for name, shape in seen.items():
        assert {m.name for m in shape.members} == set(INPUT_MODELS[name].model_fields), name
        required = {m.name for m in shape.members if m.required}
        assert required == {k for k, v in INPUT_MODELS[name].model_fields.items() if v.is_required()}, name


def _scalar(annotation: object) -> object:
    """`Optional[Annotated[bool, ...]]` is `bool`, `Literal["a"]` is `str`; anything else as it is."""
    while typing.get_origin(annotation) in (typing.Union, typing.Annotated):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Literal:
        return type(typing.get_args(annotation)[0])  # the choices' type: Literal["a", "b"] is str
    return annotation


def test_the_scalar_shapes_follow_the_input_model() -> None:
    kinds = {str: "string", bool: "boolean"}
    checked = 0
    for f in FIELDS:
        python = _scalar(NotebookInputs.model_fields[f.name].annotation)
        if python in kinds:
            assert f.shape.kind == kinds[python], f.name
            checked += 1
        else:
            assert f.shape.kind in ("object", "array"), f.name
    assert checked > 10


def test_recorded_and_output_types_name_only_what_the_service_answers() -> None:
    answered = {"VolumeState": set(VolumeRequest.model_fields) | set(VolumeInfo.model_fields),
                "EndpointState": set(EndpointInfo.model_fields), "Image": set(ImageInfo.model_fields),
                "Lease": set(Lease.model_fields), "ActionProgress": set(JobProgress.model_fields)}
    for shape in (VOLUME_STATE, ENDPOINT_STATE, IMAGE, LEASE, PROGRESS):
        assert {m.name for m in shape.members} <= answered[shape.name], shape.name
    assert HOOK in objects(HOOKS)
    assert [o.name for o in OUTPUTS if o.secret] == ["token"]


def test_the_settings_table_is_the_configuration_s() -> None:
    assert {s.name: s.env for s in SETTINGS} == KEYS
    assert {s.name for s in SETTINGS if s.secret} == SECRET_KEYS == {"secretKey", "password"}
