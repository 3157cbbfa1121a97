"""The one table of inputs (provider/core/fields.py) agrees with everything built from it."""

from __future__ import annotations

import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from provider.core.creation import LIVE_FIXED_VALUES
from provider.core.fields import FIELDS, OUTPUTS, Change, names, program_inputs, pulumi_name, reference_section
from provider.core.inputs import NotebookInputs
from provider.notebook import NotebookArgs
from provider.core.plan import NEEDS_STOPPED, PLAIN_UPDATE_FIELDS, REPLACE_FIELDS, SETTING_FIELDS, SPECIAL_UPDATE_FIELDS

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from render_reference import BEGIN, END, MarkersMissing, generated_block, main, spliced  # noqa: E402


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


def test_the_committed_reference_is_exactly_what_the_table_renders() -> None:
    # After a change to the table: `venv/bin/python tools/render_reference.py` (CONTRIBUTING.md).
    assert generated_block((ROOT / "docs" / "reference.md").read_text()) == reference_section()


def test_the_reference_names_every_property_in_both_forms_and_marks_secrets() -> None:
    section = reference_section()
    rows = {line.split(" | ")[0].strip("| `"): line for line in section.splitlines() if line.startswith("| `")}
    for f in FIELDS + OUTPUTS:
        if f.internal:
            assert f"`{f.name}`" in section.split("Kept in state")[1], f.name
            continue
        assert rows[f.name].startswith(f"| `{f.name}` | `{pulumi_name(f.name)}` |"), f.name
        assert ("**Secret**" in rows[f.name]) == getattr(f, "secret", False), f.name
    assert "| `auto_stop` | `autoStop` |" in section and "| `auto_stop_at` | `autoStopAt` |" in section


def test_rendering_replaces_only_the_generated_block(tmp_path: Path) -> None:
    page = tmp_path / "reference.md"
    page.write_text(f"# Title\n\nprose before\n\n{BEGIN}\nstale table\n{END}\n\nprose after\n")
    assert main(["--page", str(page)]) == 0
    text = page.read_text()
    assert text.startswith("# Title\n\nprose before\n\n") and text.endswith(f"{END}\n\nprose after\n")
    assert generated_block(text) == reference_section() and "stale table" not in text
    assert spliced(text, reference_section()) == text  # rendering again changes nothing


def test_a_page_without_the_markers_is_left_untouched(tmp_path: Path) -> None:
    page = tmp_path / "notes.md"
    page.write_text("# Someone's notes\n")
    assert main(["--page", str(page)]) == 1
    assert page.read_text() == "# Someone's notes\n"
    with pytest.raises(MarkersMissing):
        spliced(f"{END}\n{BEGIN}\n", "table")  # markers in the wrong order


# ---- shapes: what the plugin's schema publishes agrees with what the models accept ----------

from provider.core.config import KEYS, SECRET_KEYS  # noqa: E402
from provider.core.fields import (  # noqa: E402
    ENDPOINT_STATE, HOOK, HOOKS, IMAGE, LEASE, PROGRESS, SETTINGS, VOLUME_STATE,
)
from provider.core.inputs import AutoStop, ObsMount, Timeouts  # noqa: E402
from provider.core.models import (  # noqa: E402
    ContainerHooks, CustomHooks, EndpointInfo, EndpointRequest, HookConfig, ImageInfo, JobProgress, Lease,
    VolumeInfo, VolumeRequest,
)
from provider.core.shapes import objects  # noqa: E402

# The input models each object type of the table stands for.
INPUT_MODELS: dict[str, type[BaseModel]] = {"Volume": VolumeRequest, "Endpoint": EndpointRequest, "Hooks": CustomHooks,
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
