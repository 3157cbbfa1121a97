"""The one table of inputs (provider/fields.py) agrees with everything built from it."""

from __future__ import annotations

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
