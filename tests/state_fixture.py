"""The state-compatibility fixtures: what each release's recorded stack declared."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import notebook_spec

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "state"

# The program's `notebooks` config when the fixtures were recorded: one running, one stopped.
DECLARED = {
    "alpha": notebook_spec(name="compat-alpha", running=True),
    "beta": notebook_spec(name="compat-beta", running=False, description="kept stopped"),
}
