"""The module path of the provider class is part of the state layout: the SDK pickles
the class by reference into every notebook's `__provider`, so each recorded state must
still unpickle to the class importable as `provider.notebook.NotebookProvider` (a move or
rename needs a shim left at that name)."""

from __future__ import annotations

import base64
import json
import pickle

import pytest

from provider.notebook import NotebookProvider
from testkit.state_fixture import FIXTURES

STATES = sorted(FIXTURES.glob("*/stack.json"))


@pytest.mark.parametrize("stack", STATES, ids=lambda p: p.parent.name)
def test_recorded_provider_reference_still_loads(stack) -> None:
    resources = json.loads(stack.read_text())["deployment"]["resources"]
    blobs = {r["inputs"]["__provider"] for r in resources if r["type"].endswith("modelarts:Notebook")}
    assert blobs
    for blob in blobs:
        loaded = pickle.loads(base64.b64decode(blob))  # our own committed fixture
        assert type(loaded) is NotebookProvider
