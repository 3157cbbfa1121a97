"""The one table of inputs (provider/core/fields.py) agrees with everything built from it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

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
