"""The state-compatibility fixtures: what each release's recorded stack declared."""

from __future__ import annotations

from . import ROOT
from .projects import notebook_spec

FIXTURES = ROOT / "tests" / "fixtures" / "state"

# The program's `notebooks` config when the fixtures were recorded: one running, one stopped.
DECLARED = {
    "alpha": notebook_spec(name="compat-alpha", running=True),
    "beta": notebook_spec(name="compat-beta", running=False, description="kept stopped"),
}
